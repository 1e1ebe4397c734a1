import type { Diagnostic } from '../diagnostics.js';
import type { LoadedEnvironment } from '../load/environments.js';
import { isPlainObject } from '../load/merge.js';
import { pointerToPath } from './schema.js';

/**
 * Values that a chart renders through Helm's `tpl`: a `{{` in them is executed as a template at install time
 * (it can read .Values, .Release, lookup objects in the cluster, or fail the install). Pass-through values at or
 * below these paths may not carry `{{`.
 *
 * Collected from each chart's templates at the version tracestack renders (the chart sources are not vendored;
 * ../shared/upstream has only their values.yaml): every line that calls `tpl`, and the .Values path it renders
 * (directly, or through the enclosing `range`/`with`). Over-broad rather than missing: a whole map is listed
 * when the chart ranges over it. istio base (istio/istio 1.30.3, manifests/charts/base/templates) calls no `tpl`;
 * istiod's sidecar injection templates are Go templates run by istiod itself, on purpose, and are not listed.
 */
export const TPL_PATHS: ReadonlyArray<{ chart: string; at: readonly string[]; paths: readonly string[] }> = [
  {
    // kubernetes/ingress-nginx @ helm-chart-4.15.1: charts/ingress-nginx/templates
    chart: 'ingress-nginx',
    at: ['ingressNginx', 'values'],
    paths: ['controller.affinity', 'controller.config', 'controller.extraInitContainers', 'controller.hostAliases', 'controller.service.annotations', 'controller.service.internal.annotations', 'controller.topologySpreadConstraints', 'defaultBackend.affinity', 'defaultBackend.extraVolumes', 'defaultBackend.topologySpreadConstraints', 'tcp', 'udp'],
  },
  {
    // grafana-community/helm-charts @ grafana-12.11.1: charts/grafana/templates
    chart: 'grafana',
    at: ['grafana', 'values'],
    paths: ['admin.existingSecret', 'affinity', 'alerting', 'dashboardsConfigMaps', 'datasources', 'downloadDashboards.envFromSecret', 'downloadDashboards.envValueFrom', 'env', 'envFromConfigMaps', 'envFromSecret', 'envFromSecrets', 'envRenderSecret', 'envValueFrom', 'extraConfigmapMounts', 'extraContainerVolumes', 'extraContainers', 'extraExposePorts', 'extraInitContainers', 'global.imagePullSecrets', 'grafana.ini', 'imageRenderer.affinity', 'imageRenderer.envValueFrom', 'imageRenderer.extraConfigmapMounts', 'imageRenderer.service.annotations', 'imageRenderer.serviceMonitor.namespace', 'ingress.annotations', 'ingress.hosts', 'ingress.tls', 'ldap.config', 'lifecycleHooks', 'notifiers', 'persistence.existingClaim', 'persistence.subPath', 'service.annotations', 'serviceAccount.annotations', 'serviceMonitor.labels', 'serviceMonitor.namespace', 'sidecar.alerts.envValueFrom', 'sidecar.alerts.label', 'sidecar.alerts.labelValue', 'sidecar.alerts.searchNamespace', 'sidecar.dashboards.envValueFrom', 'sidecar.dashboards.label', 'sidecar.dashboards.labelValue', 'sidecar.dashboards.searchNamespace', 'sidecar.datasources.envValueFrom', 'sidecar.datasources.label', 'sidecar.datasources.labelValue', 'sidecar.datasources.searchNamespace', 'sidecar.notifiers.label', 'sidecar.notifiers.labelValue', 'sidecar.notifiers.searchNamespace', 'sidecar.plugins.label', 'sidecar.plugins.labelValue', 'sidecar.plugins.searchNamespace'],
  },
  {
    // grafana-community/helm-charts @ tempo-distributed-2.26.2: charts/tempo-distributed/templates
    chart: 'tempo',
    at: ['tempo', 'values'],
    paths: ['adminApi.affinity', 'adminApi.priorityClassName', 'adminApi.topologySpreadConstraints', 'backendScheduler.service.annotations', 'backendWorker.service.annotations', 'blockBuilder.service.annotations', 'compactor.service.annotations', 'config', 'defaults.extraVolumeMounts', 'distributor.service.annotations', 'distributor.serviceDiscovery.annotations', 'enterpriseFederationFrontend.affinity', 'enterpriseFederationFrontend.priorityClassName', 'enterpriseFederationFrontend.service.annotations', 'enterpriseFederationFrontend.topologySpreadConstraints', 'enterpriseGateway.affinity', 'enterpriseGateway.ingress.hosts', 'enterpriseGateway.ingress.ingressClassName', 'enterpriseGateway.ingress.tls', 'enterpriseGateway.priorityClassName', 'enterpriseGateway.topologySpreadConstraints', 'externalConfigSecretName', 'externalRuntimeConfigName', 'gateway', 'gateway.affinity', 'gateway.ingress.hosts', 'gateway.ingress.ingressClassName', 'gateway.ingress.tls', 'gateway.nginxConfig.file', 'gateway.nginxConfig.tlsSecretName', 'gateway.priorityClassName', 'gateway.service.annotations', 'gateway.topologySpreadConstraints', 'global.priorityClassName', 'ingester.service.annotations', 'ingester.serviceDiscovery.annotations', 'ingress.hosts', 'ingress.ingressClassName', 'ingress.paths', 'ingress.tls', 'license.secretName', 'liveStore.service.annotations', 'memcached.affinity', 'memcached.priorityClassName', 'memcached.service.annotations', 'memcached.topologySpreadConstraints', 'metricsGenerator.service.annotations', 'metricsGenerator.serviceDiscovery.annotations', 'provisioner.apiUrl', 'provisioner.priorityClassName', 'querier.service.annotations', 'queryFrontend.ingress.hosts', 'queryFrontend.ingress.ingressClassName', 'queryFrontend.ingress.tls', 'queryFrontend.query.config', 'queryFrontend.service.annotations', 'queryFrontend.serviceDiscovery.annotations', 'tempo.structuredConfig', 'tokengenJob.adminTokenSecret', 'tokengenJob.priorityClassName'],
  },
  {
    // open-telemetry/opentelemetry-helm-charts @ opentelemetry-operator-0.122.0: charts/opentelemetry-operator/templates
    chart: 'otel-operator',
    at: ['otelOperator', 'values'],
    paths: ['additionalLabels', 'manager.config', 'manager.prometheusRule.annotations', 'manager.prometheusRule.extraLabels', 'manager.serviceAccount.annotations', 'manager.serviceMonitor.annotations', 'manager.serviceMonitor.extraLabels'],
  },
  {
    // argoproj/argo-helm @ argo-cd-10.1.1: charts/argo-cd/templates
    chart: 'argo-cd',
    at: ['argocd', 'install', 'values'],
    paths: ['applicationSet.extraContainers', 'applicationSet.ingress.extraPaths', 'applicationSet.ingress.extraRules', 'applicationSet.initContainers', 'controller.extraContainers', 'controller.initContainers', 'dex.extraContainers', 'dex.initContainers', 'global.domain', 'global.env', 'notifications.extraContainers', 'notifications.initContainers', 'redis.extraContainers', 'redis.initContainers', 'repoServer.extraContainers', 'repoServer.initContainers', 'server.extraContainers', 'server.ingress.annotations', 'server.ingress.extraHosts', 'server.ingress.extraPaths', 'server.ingress.extraRules', 'server.ingress.extraTls', 'server.ingress.hostname', 'server.ingress.ingressClassName', 'server.ingress.labels', 'server.ingressGrpc.extraPaths', 'server.ingressGrpc.extraRules', 'server.initContainers'],
  },
  {
    // prometheus-community/helm-charts @ kube-prometheus-stack-88.5.3: charts/kube-prometheus-stack/templates
    chart: 'kube-prometheus-stack',
    at: ['prometheus', 'values'],
    paths: ['alertmanager.alertmanagerSpec.additionalConfig', 'alertmanager.alertmanagerSpec.additionalConfigString', 'alertmanager.alertmanagerSpec.alertmanagerConfigNamespaceSelector', 'alertmanager.alertmanagerSpec.alertmanagerConfigSelector', 'alertmanager.alertmanagerSpec.externalUrl', 'alertmanager.alertmanagerSpec.routePrefix', 'alertmanager.alertmanagerSpec.serviceName', 'alertmanager.alertmanagerSpec.storage', 'alertmanager.config', 'alertmanager.ingress.annotations', 'alertmanager.ingress.hosts', 'alertmanager.ingress.tls', 'alertmanager.route.main.hostnames', 'alertmanager.serviceMonitor.metricRelabelings', 'alertmanager.stringConfig', 'coreDns.serviceMonitor.metricRelabelings', 'coreDns.serviceMonitor.relabelings', 'coreDns.serviceMonitor.selector', 'kubeApiServer.serviceMonitor.metricRelabelings', 'kubeApiServer.serviceMonitor.relabelings', 'kubeControllerManager.serviceMonitor.metricRelabelings', 'kubeControllerManager.serviceMonitor.relabelings', 'kubeControllerManager.serviceMonitor.selector', 'kubeDns.serviceMonitor.dnsmasqMetricRelabelings', 'kubeDns.serviceMonitor.metricRelabelings', 'kubeDns.serviceMonitor.relabelings', 'kubeDns.serviceMonitor.selector', 'kubeEtcd.serviceMonitor.metricRelabelings', 'kubeEtcd.serviceMonitor.relabelings', 'kubeEtcd.serviceMonitor.selector', 'kubeProxy.serviceMonitor.metricRelabelings', 'kubeProxy.serviceMonitor.relabelings', 'kubeProxy.serviceMonitor.selector', 'kubeScheduler.serviceMonitor.metricRelabelings', 'kubeScheduler.serviceMonitor.relabelings', 'kubeScheduler.serviceMonitor.reource.relabelings', 'kubeScheduler.serviceMonitor.resource.metricRelabelings', 'kubeScheduler.serviceMonitor.selector', 'kubelet.serviceMonitor.cAdvisorMetricRelabelings', 'kubelet.serviceMonitor.cAdvisorRelabelings', 'kubelet.serviceMonitor.metricRelabelings', 'kubelet.serviceMonitor.probesMetricRelabelings', 'kubelet.serviceMonitor.probesRelabelings', 'kubelet.serviceMonitor.relabelings', 'kubelet.serviceMonitor.resourceMetricRelabelings', 'kubelet.serviceMonitor.resourceRelabelings', 'prometheus.ingress.annotations', 'prometheus.ingress.hosts', 'prometheus.ingress.tls', 'prometheus.prometheusSpec.additionalAlertManagerConfigs', 'prometheus.prometheusSpec.additionalAlertManagerConfigsSecret.name', 'prometheus.prometheusSpec.additionalAlertRelabelConfigs', 'prometheus.prometheusSpec.additionalAlertRelabelConfigsSecret.name', 'prometheus.prometheusSpec.additionalConfig', 'prometheus.prometheusSpec.additionalConfigString', 'prometheus.prometheusSpec.additionalScrapeConfigs', 'prometheus.prometheusSpec.additionalScrapeConfigsSecret.name', 'prometheus.prometheusSpec.configMaps', 'prometheus.prometheusSpec.containers', 'prometheus.prometheusSpec.enableFeatures', 'prometheus.prometheusSpec.excludedFromEnforcement', 'prometheus.prometheusSpec.externalLabels', 'prometheus.prometheusSpec.externalUrl', 'prometheus.prometheusSpec.initContainers', 'prometheus.prometheusSpec.podMetadata', 'prometheus.prometheusSpec.podMonitorNamespaceSelector', 'prometheus.prometheusSpec.podMonitorSelector', 'prometheus.prometheusSpec.podTargetLabels', 'prometheus.prometheusSpec.probeNamespaceSelector', 'prometheus.prometheusSpec.probeSelector', 'prometheus.prometheusSpec.remoteRead', 'prometheus.prometheusSpec.remoteWrite', 'prometheus.prometheusSpec.routePrefix', 'prometheus.prometheusSpec.ruleNamespaceSelector', 'prometheus.prometheusSpec.ruleSelector', 'prometheus.prometheusSpec.scrapeClasses', 'prometheus.prometheusSpec.scrapeConfigNamespaceSelector', 'prometheus.prometheusSpec.scrapeConfigSelector', 'prometheus.prometheusSpec.secrets', 'prometheus.prometheusSpec.serviceMonitorNamespaceSelector', 'prometheus.prometheusSpec.serviceMonitorSelector', 'prometheus.prometheusSpec.serviceName', 'prometheus.prometheusSpec.storageSpec', 'prometheus.prometheusSpec.thanos.objectStorageConfig.secret', 'prometheus.route.main.hostnames', 'prometheus.serviceAccount.annotations', 'prometheus.serviceMonitor.metricRelabelings', 'prometheus.thanosIngress.annotations', 'prometheus.thanosIngress.hosts', 'prometheus.thanosIngress.tls', 'prometheus.thanosServiceMonitor.metricRelabelings', 'prometheusOperator.denyNamespaces', 'prometheusOperator.extraArgs', 'prometheusOperator.namespaces', 'prometheusOperator.secretFieldSelector', 'prometheusOperator.serviceMonitor.metricRelabelings', 'thanosRuler.ingress.annotations', 'thanosRuler.ingress.hosts', 'thanosRuler.ingress.tls', 'thanosRuler.serviceMonitor.metricRelabelings', 'thanosRuler.thanosRulerSpec.additionalArgs', 'thanosRuler.thanosRulerSpec.additionalConfig', 'thanosRuler.thanosRulerSpec.additionalConfigString', 'thanosRuler.thanosRulerSpec.enableFeatures', 'thanosRuler.thanosRulerSpec.excludedFromEnforcement', 'thanosRuler.thanosRulerSpec.externalPrefix', 'thanosRuler.thanosRulerSpec.labels', 'thanosRuler.thanosRulerSpec.remoteWrite', 'thanosRuler.thanosRulerSpec.routePrefix', 'thanosRuler.thanosRulerSpec.ruleNamespaceSelector', 'thanosRuler.thanosRulerSpec.ruleSelector', 'thanosRuler.thanosRulerSpec.serviceName'],
  },
  {
    // cert-manager/cert-manager @ v1.21.1: deploy/charts/cert-manager/templates
    chart: 'cert-manager',
    at: ['certManager', 'values'],
    paths: ['serviceAccount.annotations'],
  },
  {
    // istio/istio @ 1.30.3: manifests/charts/istio-control/istio-discovery/templates
    chart: 'istiod',
    at: ['istio', 'istiodValues'],
    paths: ['initContainers'],
  },
];

/** Whether a dotted values path is at or below one of the chart's tpl'd paths. */
const under = (path: string, prefixes: readonly string[]) => prefixes.some((p) => path === p || path.startsWith(`${p}.`) || path.startsWith(`${p}[`));

/**
 * `{{` in a pass-through value (or key) that the chart renders with `tpl`: refused at its place in the file.
 */
export function templateInjection(loaded: LoadedEnvironment): Diagnostic[] {
  const out: Diagnostic[] = [];
  const spec = loaded.document.spec;
  for (const { chart, at, paths } of TPL_PATHS) {
    const root = at.reduce<unknown>((o, k) => (isPlainObject(o) ? o[k] : undefined), spec);
    const walk = (value: unknown, pointer: string, path: string) => {
      if (typeof value === 'string') {
        if (value.includes('{{') && under(path, paths)) report(pointer, path, false);
      } else if (Array.isArray(value)) value.forEach((v, i) => walk(v, `${pointer}/${i}`, `${path}[${i}]`));
      else if (isPlainObject(value))
        for (const [k, v] of Object.entries(value)) {
          const childPath = path ? `${path}.${k}` : k;
          const child = `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`;
          if (k.includes('{{') && under(childPath, paths)) report(child, childPath, true);
          walk(v, child, childPath);
        }
    };
    const report = (pointer: string, path: string, key: boolean) =>
      out.push({
        ...loaded.locate(pointer, key),
        path: pointerToPath(pointer),
        code: 'template-injection',
        message: `the ${chart} chart renders ${path} with Helm's tpl, so the \`{{\` in this ${key ? 'key' : 'value'} would run as a template at install time`,
        suggestion: 'Write the value out literally (tracestack renders the release, namespace and service names for you); template syntax is not passed to values a chart runs through tpl.',
        severity: 'error',
      });
    walk(root, `/spec/${at.join('/')}`, '');
  }
  return out;
}
