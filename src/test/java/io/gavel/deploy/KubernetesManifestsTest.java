package io.gavel.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import io.gavel.config.NodeConfig;
import io.gavel.config.Setting;
import io.gavel.config.Settings;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * deploy/k8s without a Kubernetes cluster: every object valid against the Kubernetes object model (strict: unknown
 * fields and wrong types fail), and the topology Gavel needs: members that find each other through a headless
 * Service that lists pods before they are ready, probes on the management port, secrets from a Secret, settings
 * Gavel knows and accepts.
 */
class KubernetesManifestsTest {
  private static final Path DIR = Path.of("deploy", "k8s");
  private static List<HasMetadata> objects;
  private static StatefulSet nodes;
  private static Container gavel;
  private static Map<String, EnvVar> env;

  @BeforeAll
  static void read() throws IOException {
    objects = KubernetesManifests.readAll(DIR);
    nodes = one(StatefulSet.class, "gavel");
    assertThat(nodes.getSpec().getTemplate().getSpec().getContainers()).hasSize(1);
    gavel = nodes.getSpec().getTemplate().getSpec().getContainers().get(0);
    env = gavel.getEnv().stream().collect(Collectors.toMap(EnvVar::getName, e -> e));
  }

  @Test
  void aMisspelledFieldOrAWrongTypeIsRefusedNamingIt() throws IOException {
    String statefulSet = Files.readString(DIR.resolve("statefulset.yaml"));
    assertThatThrownBy(() -> KubernetesManifests.read("typo.yaml",
        statefulSet.replace("imagePullPolicy:", "imagePullPolicyy:")))
        .hasMessageContaining("imagePullPolicyy");
    assertThatThrownBy(() -> KubernetesManifests.read("misplaced.yaml",
        statefulSet.replace("  replicas: 3", "  replica: 3")))
        .hasMessageContaining("replica");
    assertThatThrownBy(() -> KubernetesManifests.read("type.yaml",
        statefulSet.replace("  replicas: 3", "  replicas: \"3\"")))
        .hasMessageContaining("replicas");
    assertThatThrownBy(() -> KubernetesManifests.read("kind.yaml",
        statefulSet.replace("kind: StatefulSet", "kind: StatefullSet")))
        .hasMessageContaining("StatefullSet");
  }

  @Test
  void everyObjectIsKnownAndSelectsTheGavelPods() {
    assertThat(objects).extracting(o -> o.getKind() + "/" + o.getMetadata().getName()).containsExactlyInAnyOrder(
        "StatefulSet/gavel", "Service/gavel", "Service/gavel-hazelcast", "PodDisruptionBudget/gavel");
    Map<String, String> podLabels = nodes.getSpec().getTemplate().getMetadata().getLabels();
    assertThat(podLabels).containsAllEntriesOf(nodes.getSpec().getSelector().getMatchLabels());
    for (Service service : List.of(one(Service.class, "gavel"), one(Service.class, "gavel-hazelcast"))) {
      assertThat(podLabels).as(service.getMetadata().getName()).containsAllEntriesOf(service.getSpec().getSelector());
    }
    assertThat(podLabels).containsAllEntriesOf(
        one(PodDisruptionBudget.class, "gavel").getSpec().getSelector().getMatchLabels());
  }

  @Test
  void membersFindEachOtherThroughTheHeadlessServiceByDns() {
    Service headless = one(Service.class, "gavel-hazelcast");
    assertThat(headless.getSpec().getClusterIP()).isEqualTo("None");
    assertThat(headless.getSpec().getPublishNotReadyAddresses())
        .as("a pod is ready only once it has joined: the others must see it before").isTrue();
    assertThat(nodes.getSpec().getServiceName()).isEqualTo("gavel-hazelcast");
    assertThat(nodes.getSpec().getPodManagementPolicy())
        .as("with a minimum cluster size above 1, pod 0 alone never gets ready").isEqualTo("Parallel");
    int hazelcast = port("hazelcast").getContainerPort();
    assertThat(headless.getSpec().getPorts()).singleElement()
        .satisfies(p -> assertThat(p.getTargetPort().getStrVal()).isEqualTo("hazelcast"))
        .satisfies(p -> assertThat(p.getPort()).isEqualTo(hazelcast));
    assertThat(value("GAVEL_KUBERNETES_SERVICE_DNS")).startsWith("gavel-hazelcast.$(POD_NAMESPACE).svc.");
    assertThat(env.get("POD_NAMESPACE").getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.namespace");
    assertThat(env.get("GAVEL_CLUSTER_HOST").getValueFrom().getFieldRef().getFieldPath()).isEqualTo("status.podIP");
    assertThat(env.get("GAVEL_NODE_NAME").getValueFrom().getFieldRef().getFieldPath()).isEqualTo("metadata.name");
    int replicas = nodes.getSpec().getReplicas();
    assertThat(Integer.parseInt(value("GAVEL_MIN_CLUSTER_SIZE"))).as("a majority").isEqualTo(replicas / 2 + 1);
    assertThat(one(PodDisruptionBudget.class, "gavel").getSpec().getMaxUnavailable().getIntVal())
        .as("one backup per auction: never two members down on purpose").isEqualTo(1);
    PodSpec pod = nodes.getSpec().getTemplate().getSpec();
    assertThat(pod.getAutomountServiceAccountToken()).as("DNS lookup needs no API access").isFalse();
    assertThat(pod.getEnableServiceLinks()).as("no GAVEL_* variables made from Service names").isFalse();
    assertThat(pod.getTerminationGracePeriodSeconds()).as("longer than a graceful stop (25 s)").isGreaterThan(25);
  }

  @Test
  void probesAskTheManagementPortAndTheServiceServesHttp() {
    int management = port("management").getContainerPort();
    assertThat(Integer.parseInt(value("GAVEL_MANAGEMENT_PORT"))).isEqualTo(management);
    assertThat(value("GAVEL_MANAGEMENT_HOST")).as("the kubelet probes the pod's address").isEqualTo("0.0.0.0");
    assertProbe(gavel.getReadinessProbe(), "/health/ready");
    assertProbe(gavel.getLivenessProbe(), "/health");
    assertProbe(gavel.getStartupProbe(), "/health");
    Service http = one(Service.class, "gavel");
    assertThat(http.getSpec().getPorts()).singleElement()
        .satisfies(p -> assertThat(p.getTargetPort().getStrVal()).isEqualTo("http"));
    assertThat(port("http").getContainerPort()).isEqualTo(8080);
    assertThat(http.getSpec().getSessionAffinity()).as("SockJS xhr transports need one pod per client")
        .isEqualTo("ClientIP");
    assertThat(gavel.getResources().getRequests()).containsKeys("cpu", "memory");
    assertThat(gavel.getResources().getLimits()).containsKeys("cpu", "memory");
  }

  @Test
  void secretsComeFromTheSecretAndEverySettingIsOneGavelAccepts() {
    for (String secret : List.of("GAVEL_STORE", "GAVEL_JWT_SECRET")) {
      assertThat(env.get(secret).getValue()).as(secret + " has no literal value").isNull();
      assertThat(env.get(secret).getValueFrom().getSecretKeyRef().getName()).isEqualTo("gavel");
    }
    assertThat(gavel.getArgs()).as("no options: a command line shows in process listings").isNullOrEmpty();
    assertThat(gavel.getCommand()).isNullOrEmpty();
    Set<String> known = Settings.ALL.stream().map(Setting::env).filter(e -> e != null).collect(Collectors.toSet());
    assertThat(env.keySet().stream().filter(name -> name.startsWith("GAVEL_"))).as("settings Gavel has")
        .allMatch(known::contains);

    // What a pod's environment comes to, with sample values for what Kubernetes fills in; Gavel must accept it.
    Map<String, String> pod = new HashMap<>(Map.of("POD_NAMESPACE", "auctions", "GAVEL_NODE_NAME", "gavel-0",
        "GAVEL_CLUSTER_HOST", "10.1.2.3", "GAVEL_STORE", "postgresql://gavel:pw@db.auctions:5432/gavel",
        "GAVEL_JWT_SECRET", "a-sample-signing-key-of-at-least-32-bytes"));
    for (EnvVar var : gavel.getEnv()) {
      if (var.getValue() != null) {
        pod.put(var.getName(), var.getValue().replace("$(POD_NAMESPACE)", pod.get("POD_NAMESPACE")));
      }
    }
    NodeConfig config = NodeConfig.load(new String[0], pod);
    assertThat(config.kubernetesServiceDns()).isEqualTo("gavel-hazelcast.auctions.svc.cluster.local");
    assertThat(config.clusterPort()).as("the image's default, the port the headless Service names")
        .isEqualTo(port("hazelcast").getContainerPort());
    assertThat(config.hasManagementListener()).isTrue();
    assertThat(config.storeKind()).isEqualTo("postgresql");
    assertThat(config.nodeName()).isEqualTo("gavel-0");
  }

  private static void assertProbe(Probe probe, String path) {
    assertThat(probe).as(path).isNotNull();
    assertThat(probe.getHttpGet().getPath()).isEqualTo(path);
    assertThat(probe.getHttpGet().getPort().getStrVal()).isEqualTo("management");
  }

  private static ContainerPort port(String name) {
    return gavel.getPorts().stream().filter(p -> name.equals(p.getName())).findFirst()
        .orElseThrow(() -> new AssertionError("no container port " + name));
  }

  private static String value(String name) {
    assertThat(env).containsKey(name);
    return env.get(name).getValue();
  }

  private static <T extends HasMetadata> T one(Class<T> type, String name) {
    return objects.stream().filter(type::isInstance).map(type::cast)
        .filter(o -> name.equals(o.getMetadata().getName())).findFirst()
        .orElseThrow(() -> new AssertionError("no " + type.getSimpleName() + " " + name + " in " + DIR));
  }
}
