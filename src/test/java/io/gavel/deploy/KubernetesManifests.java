package io.gavel.deploy;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import tools.jackson.databind.BeanDescription;
import tools.jackson.databind.DeserializationConfig;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.cfg.CoercionAction;
import tools.jackson.databind.cfg.CoercionInputShape;
import tools.jackson.databind.deser.BeanDeserializerBuilder;
import tools.jackson.databind.deser.ValueDeserializerModifier;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.module.SimpleModule;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Reads Kubernetes manifests into fabric8's Kubernetes object model (generated from the Kubernetes API's OpenAPI
 * schema), strictly: the model keeps unknown fields in an "additional properties" map, which is switched off here,
 * so a misspelled or misplaced field fails naming itself, as does a value of the wrong type.
 */
final class KubernetesManifests {
  private static final Map<String, Class<? extends HasMetadata>> KINDS = Map.of(
      "apps/v1 StatefulSet", StatefulSet.class,
      "v1 Service", Service.class,
      "policy/v1 PodDisruptionBudget", PodDisruptionBudget.class);

  private static final YAMLMapper YAML = YAMLMapper.builder().build();
  private static final JsonMapper STRICT = JsonMapper.builder()
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      // "3" is no integer and 3 no string: the API server refuses both.
      .withCoercionConfigDefaults(c -> c.setCoercion(CoercionInputShape.String, CoercionAction.Fail)
          .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
          .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
          .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail))
      .addModule(new SimpleModule("no-additional-properties").setDeserializerModifier(new ValueDeserializerModifier() {
        @Override
        public BeanDeserializerBuilder updateBuilder(DeserializationConfig config, BeanDescription.Supplier bean,
            BeanDeserializerBuilder builder) {
          builder.setAnySetter(null);
          return builder;
        }
      }))
      .build();

  private KubernetesManifests() {
  }

  /** Every object of every {@code .yaml} file in {@code dir}, in file order. */
  static List<HasMetadata> readAll(Path dir) throws IOException {
    List<HasMetadata> objects = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList()) {
        objects.addAll(read(file.getFileName().toString(), Files.readString(file)));
      }
    }
    return objects;
  }

  /** The objects of one YAML text (documents separated by {@code ---}); {@code name} labels the errors. */
  static List<HasMetadata> read(String name, String yaml) {
    List<HasMetadata> objects = new ArrayList<>();
    for (JsonNode document : YAML.readerFor(JsonNode.class).readValues(yaml).readAll().stream()
        .map(JsonNode.class::cast).toList()) {
      String kind = document.path("apiVersion").asString() + " " + document.path("kind").asString();
      Class<? extends HasMetadata> type = KINDS.get(kind);
      if (type == null) {
        throw new IllegalArgumentException(name + ": no model for " + kind + " (known: " + KINDS.keySet() + ")");
      }
      try {
        objects.add(STRICT.treeToValue(document, type));
      } catch (RuntimeException e) {
        throw new IllegalArgumentException(name + ": " + kind + " is invalid: " + e.getMessage(), e);
      }
    }
    return objects;
  }
}
