package dev.mzflink.cli;

import dev.mzflink.UserError;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Reads scripts as UTF-8, with user errors for missing or unreadable files. */
final class ScriptFiles {
  private ScriptFiles() {}

  static String read(Path path) {
    try {
      String text = Files.readString(path, StandardCharsets.UTF_8);
      Errors.script(text);
      return text;
    } catch (NoSuchFileException e) {
      throw UserError.of(String.format("script \"%s\" does not exist", path));
    } catch (CharacterCodingException e) {
      throw UserError.of(String.format("script \"%s\" is not valid UTF-8", path));
    } catch (IOException e) {
      throw UserError.of(String.format("could not read script \"%s\": %s", path, e.getMessage()));
    }
  }
}
