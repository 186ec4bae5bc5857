-- wrk script for benches/pages.sh: GET one web page (PAGE) as the tenants' admins in
-- turn, with the session cookie the browser would send.
local page = os.getenv("PAGE") or "/catalogo"
local tokens = {}
for token in string.gmatch(os.getenv("BENCH_TOKENS") or "", "[^,]+") do
  table.insert(tokens, token)
end
local n = 0

request = function()
  n = n + 1
  local token = tokens[(n % #tokens) + 1]
  return wrk.format("GET", page, { ["Cookie"] = "__Host-ventanas_session=" .. token })
end

-- Any answer but 200 makes the run worthless: count them.
local bad = 0
response = function(status, headers, body)
  if status ~= 200 then
    bad = bad + 1
  end
end

done = function(summary, latency, requests)
  io.write(string.format("p50_ms=%.2f p99_ms=%.2f rps=%.0f non200=%d bytes_per_page=%.0f\n",
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.requests / (summary.duration / 1e6), bad + summary.errors.status,
    summary.bytes / math.max(summary.requests, 1)))
end
