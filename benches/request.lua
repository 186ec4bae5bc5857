-- wrk script for benches/saved.sh: one request, from the environment: BENCH_METHOD,
-- BENCH_PATH, BENCH_BODY (optional), BENCH_TOKENS (the first token is used).
local token = string.match(os.getenv("BENCH_TOKENS") or "", "[^,]+")
local method = os.getenv("BENCH_METHOD") or "GET"
local path = os.getenv("BENCH_PATH")
local body = os.getenv("BENCH_BODY")

request = function()
  return wrk.format(method, path, {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
  }, body)
end
