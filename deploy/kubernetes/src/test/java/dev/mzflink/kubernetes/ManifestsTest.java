package dev.mzflink.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The Kubernetes manifests in deploy/kubernetes, checked offline against the
 * CustomResourceDefinitions that the Flink Kubernetes Operator 1.10 ships (its API jar carries
 * them), the way the API server would check them on apply.
 */
class ManifestsTest {
  private static final Path MANIFESTS = Path.of("").toAbsolutePath();
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  /** The CRD of each kind of the operator, by kind. */
  private static final Map<String, String> CRDS =
      Map.of(
          "FlinkDeployment", "META-INF/fabric8/flinkdeployments.flink.apache.org-v1.yml",
          "FlinkSessionJob", "META-INF/fabric8/flinksessionjobs.flink.apache.org-v1.yml");

  private static List<JsonNode> documents() throws IOException {
    List<JsonNode> documents = new ArrayList<>();
    try (Stream<Path> files = Files.list(MANIFESTS)) {
      for (Path file : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
        try (var parser = YAML.getFactory().createParser(file.toFile())) {
          documents.addAll(YAML.readValues(parser, JsonNode.class).readAll());
        }
      }
    }
    return documents;
  }

  private static JsonSchema schema(String kind) throws IOException {
    String resource = CRDS.get(kind);
    assertThat(resource).as("a CRD for kind " + kind).isNotNull();
    try (InputStream in = ManifestsTest.class.getClassLoader().getResourceAsStream(resource)) {
      assertThat(in).as(resource + " in flink-kubernetes-operator-api").isNotNull();
      JsonNode crd = YAML.readTree(in);
      for (JsonNode version : crd.path("spec").path("versions")) {
        if (version.path("name").asText().equals("v1beta1")) {
          return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V4)
              .getSchema(version.path("schema").path("openAPIV3Schema"));
        }
      }
    }
    throw new AssertionError("no v1beta1 schema in " + resource);
  }

  private static Set<ValidationMessage> validate(JsonNode document) throws IOException {
    return schema(document.path("kind").asText()).validate(document);
  }

  @Test
  void everyFlinkResourceMatchesTheOperatorsCrd() throws Exception {
    List<String> checked = new ArrayList<>();
    for (JsonNode document : documents()) {
      if (!document.path("apiVersion").asText().startsWith("flink.apache.org/")) {
        continue;
      }
      assertThat(document.path("apiVersion").asText()).isEqualTo("flink.apache.org/v1beta1");
      String name =
          document.path("kind").asText() + " " + document.path("metadata").path("name").asText();
      assertThat(validate(document)).as(name).isEmpty();
      checked.add(name);
    }
    assertThat(checked)
        .containsExactlyInAnyOrder(
            "FlinkDeployment mzflink-shop",
            "FlinkDeployment mzflink-session",
            "FlinkSessionJob mzflink-shop");
  }

  @Test
  void theCheckRejectsAManifestThatBreaksTheSchema() throws Exception {
    JsonNode application =
        documents().stream()
            .filter(
                d -> d.path("kind").asText().equals("FlinkDeployment") && d.path("spec").has("job"))
            .findFirst()
            .orElseThrow();
    ObjectNode broken = application.deepCopy();
    ((ObjectNode) broken.path("spec").path("job")).put("upgradeMode", "sometimes");
    ((ObjectNode) broken.path("spec")).put("flinkVersion", "v0_1");
    assertThat(validate(broken).stream().map(ValidationMessage::getMessage).toList())
        .anyMatch(m -> m.contains("upgradeMode"))
        .anyMatch(m -> m.contains("flinkVersion"));
  }

  @Test
  void theApplicationRunsMzflinkFromTheImagesJobJar() throws Exception {
    JsonNode job =
        documents().stream()
            .filter(
                d ->
                    d.path("metadata").path("name").asText().equals("mzflink-shop")
                        && d.path("kind").asText().equals("FlinkDeployment"))
            .findFirst()
            .orElseThrow()
            .path("spec")
            .path("job");
    assertThat(job.path("entryClass").asText()).isEqualTo("dev.mzflink.cli.Main");
    assertThat(job.path("jarURI").asText()).isEqualTo("local:///opt/flink/usrlib/mzflink.jar");
    assertThat(Files.readString(MANIFESTS.resolve("Dockerfile")))
        .contains("COPY job/target/mzflink.jar /opt/flink/usrlib/mzflink.jar");
    assertThat(job.path("args").get(0).asText()).isEqualTo("run");
    assertThat(job.path("upgradeMode").asText()).isEqualTo("savepoint");
  }
}
