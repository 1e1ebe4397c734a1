import { METRIC_CONNECTORS, list, samplers, type Obj } from './sampling-collectors.js';
import { obj, ptr, type BehaviourRule, type Finding } from './types.js';

/**
 * Every tier-2 pod sees spans of every service (tier 1 balances by trace id), so each keeps its own cumulative
 * counters for the same series. Without a label that differs per pod, N counters reach Prometheus as one series:
 * samples rejected as out of order or duplicate, false resets in rate() (grafana/tempo v3.0.3
 * modules/generator/registry/registry.go adds __metrics_gen_instance for the same reason). A pipeline that carries
 * span_metrics or service_graph output to an exporter, in a collector that can run more than one pod, must set a
 * per-pod value on every data point: an `attributes` processor (no include/exclude) that inserts or upserts a value
 * from an env var holding the pod's name, or such an external_labels entry on the remote-write exporter. Counted as
 * per pod for span_metrics alone: its collector.instance.id, a random UUID per process, unless exclude_dimensions
 * drops it (connector/spanmetricsconnector@v0.158.0 connector.go buildAttributes, gate includeCollectorInstanceID beta).
 * The pod's name: a spec.env var from fieldRef metadata.name, or POD_NAME, which the operator adds unless spec.env
 * names it (opentelemetry-operator v0.158.0 internal/manifests/collector/container.go getInferredContainerEnvVars).
 */
export const samplingMetricsPerPod: BehaviourRule = {
  id: 'sampling-metrics-per-pod',
  prevents: 'span metrics and service-graph series written by several tier-2 pods with identical labels (N cumulative counters interleaved in one Prometheus series: rejected samples, false resets)',
  source: 'grafana/tempo v3.0.3 modules/generator/registry/registry.go (__metrics_gen_instance); open-telemetry/opentelemetry-collector-contrib v0.158.0 processor/attributesprocessor, connector/spanmetricsconnector; opentelemetry-operator v0.158.0 internal/manifests/collector/container.go',
  check(ctx) {
    const out: Finding[] = [];
    for (const sm of samplers(ctx)) {
      const spec = obj(sm.collector.spec);
      const replicas = Math.max(Number(spec.replicas ?? 1), Number(obj(spec.autoscaler).maxReplicas ?? 0));
      if (spec.mode === 'daemonset' || !(replicas > 1)) continue; // a DaemonSet is sampling-trace-aware's finding
      const env = Array.isArray(spec.env) ? (spec.env as Obj[]) : [];
      const podVars = new Set(env.filter((e) => obj(obj(e.valueFrom).fieldRef).fieldPath === 'metadata.name').map((e) => String(e.name)));
      if (!env.some((e) => e.name === 'POD_NAME')) podVars.add('POD_NAME');
      const perPod = (v: unknown) => [...podVars].some((n) => String(v ?? '').includes(`\${env:${n}}`) || String(v ?? '').includes(`\${${n}}`));
      const processors = obj(sm.config.processors);
      const exporters = obj(sm.config.exporters);
      const connectors = obj(sm.config.connectors);
      const pipelines = obj(obj(sm.config.service).pipelines) as Record<string, Obj>;
      for (const [name, p] of Object.entries(pipelines)) {
        const fed = list(p.receivers).filter((r) => METRIC_CONNECTORS.test(r) && r in connectors);
        if (!fed.length || !list(p.exporters).length) continue;
        const labelled = list(p.processors).some((id) => {
          const cfg = obj(processors[id]);
          if (!/^attributes(\/.*)?$/.test(id) || cfg.include || cfg.exclude) return false;
          return ((cfg.actions as unknown[]) ?? []).some((a) => ['insert', 'upsert'].includes(String(obj(a).action)) && perPod(obj(a).value));
        });
        const external = list(p.exporters).every((id) => Object.values(obj(obj(exporters[id]).external_labels)).some(perPod));
        if (labelled || external) continue;
        const unlabelled = fed.filter((r) => !(/^span_?metrics(\/.*)?$/.test(r) && !list(obj(connectors[r]).exclude_dimensions).includes('collector.instance.id')));
        if (!unlabelled.length) continue;
        out.push({
          pointer: ctx.written(ptr('spec', 'sampling', 'tier2', 'replicas')) ? ptr('spec', 'sampling', 'tier2', 'replicas') : ptr('spec', 'sampling'),
          message: `collector ${sm.collector.metadata.name} runs ${replicas} pods, each counting every service, but pipeline ${name} gives the series of ${unlabelled.join(' and ')} no per-pod label: ${replicas} cumulative counters land in one Prometheus series (rejected samples, false resets in rate())`,
          suggestion: 'This is a tracestack bug (please report): tier 2\'s metrics pipeline sets otelcol_sampler_pod from ${env:POD_NAME} (attributes/sampler-pod).',
        });
      }
    }
    return out;
  },
};
