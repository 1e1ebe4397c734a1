/**
 * The Istio access-log line and the Loki regex that finds the trace id in it are defined together, so the
 * log-to-trace link cannot silently break. Istio's OpenTelemetry provider propagates only W3C context, so the
 * line carries the traceparent header (00-<32 hex trace id>-<16 hex span id>-<flags>), not X-B3-TraceId.
 */
export const ACCESS_LOG_FORMAT =
  '[%START_TIME%] "%REQ(:METHOD)% %REQ(X-ENVOY-ORIGINAL-PATH?:PATH)% %PROTOCOL%" %RESPONSE_CODE% %RESPONSE_FLAGS% ' +
  '%BYTES_RECEIVED% %BYTES_SENT% %DURATION% "%REQ(USER-AGENT)%" "%REQ(X-REQUEST-ID)%" "%REQ(:AUTHORITY)%" ' +
  '"%UPSTREAM_HOST%" traceparent=%REQ(TRACEPARENT)%\n';

/** One capture group: the 32-hex trace id. */
export const TRACE_ID_REGEX = 'traceparent=00-([0-9a-f]{32})-';

/** Render a sample line the way Envoy would, for tests and cross-checks. */
export function sampleAccessLogLine(traceparent: string, format: string = ACCESS_LOG_FORMAT): string {
  const values: Record<string, string> = {
    '%START_TIME%': '2026-11-24T10:00:00.000Z',
    '%REQ(:METHOD)%': 'GET',
    '%REQ(X-ENVOY-ORIGINAL-PATH?:PATH)%': '/api/orders',
    '%PROTOCOL%': 'HTTP/1.1',
    '%RESPONSE_CODE%': '200',
    '%RESPONSE_FLAGS%': '-',
    '%BYTES_RECEIVED%': '0',
    '%BYTES_SENT%': '512',
    '%DURATION%': '12',
    '%REQ(USER-AGENT)%': 'curl/8.5.0',
    '%REQ(X-REQUEST-ID)%': '6f1c2d8e-0000-4000-8000-000000000000',
    '%REQ(:AUTHORITY)%': 'orders.apps.svc',
    '%UPSTREAM_HOST%': '10.0.0.12:8080',
    '%REQ(TRACEPARENT)%': traceparent,
  };
  return format.replace(/%[A-Z_]+(\([^)]*\))?%/g, (m) => values[m] ?? '-');
}
