-- wrk script for benchmarks/capacity.py: cycles WRK_PATHS (comma-separated), optionally POSTs WRK_BODY with a
-- fresh idempotency key per request, and prints one JSON line with the figures the table needs.
local paths, index, counter = {}, 0, 0
thread_id = 0  -- a global: setup() sets it per thread
for p in string.gmatch(os.getenv("WRK_PATHS") or "/", "[^,]+") do paths[#paths + 1] = p end
local body = os.getenv("WRK_BODY")
local threads = {}

function setup(thread)
  thread:set("thread_id", #threads + 1)
  threads[#threads + 1] = thread
end

function request()
  index = index % #paths + 1
  if body then
    counter = counter + 1
    local payload = body .. "&_idem=wrk" .. thread_id .. "x" .. counter .. "x" .. os.time()
    -- headers given to wrk.format replace the -H ones, so copy them (the session cookie) first
    local headers = {["Content-Type"] = "application/x-www-form-urlencoded"}
    for name, value in pairs(wrk.headers) do headers[name] = value end
    return wrk.format("POST", paths[index], headers, payload)
  end
  return wrk.format("GET", paths[index])
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests": %d, "duration_us": %d, "p50": %d, "p95": %d, "p99": %d, "connect": %d, "read": %d, ' ..
    '"write": %d, "status": %d, "timeout": %d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95), latency:percentile(99),
    e.connect, e.read, e.write, e.status, e.timeout))
end
