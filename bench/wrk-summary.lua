-- Prints one machine-readable line at the end of a wrk run:
-- WRK <requests per second> <p99 latency in ms> <errors, non-2xx answers included> <requests>
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout + summary.errors.status
  io.write(string.format("WRK %.1f %.3f %d %d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(99) / 1000, errors, summary.requests))
end
