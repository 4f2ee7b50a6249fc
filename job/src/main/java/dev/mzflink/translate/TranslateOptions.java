package dev.mzflink.translate;

import static java.util.Objects.requireNonNull;

import dev.mzflink.Redaction;
import java.util.Optional;

/**
 * Settings that shape the translated pipeline but are not part of the script.
 *
 * @param resultsUrl the JDBC URL of the results database
 * @param slotSuffix appended to every replication slot name, to tell apart two pipelines that read
 *     the same database (checked by {@link SlotNames#checkSuffix})
 */
public record TranslateOptions(String resultsUrl, Optional<String> slotSuffix) {
  public TranslateOptions {
    requireNonNull(resultsUrl, "resultsUrl is null");
    requireNonNull(slotSuffix, "slotSuffix is null");
    slotSuffix.ifPresent(SlotNames::checkSuffix);
    Redaction.registerUrl(resultsUrl);
  }

  @Override
  public String toString() {
    return "TranslateOptions[resultsUrl="
        + Redaction.url(resultsUrl)
        + ", slotSuffix="
        + slotSuffix
        + "]";
  }
}
