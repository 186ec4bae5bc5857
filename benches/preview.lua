-- wrk script for benches/quotes.sh: POST a quote of BENCH_ITEMS windows, rotating
-- over the tenants' tokens.
local products = {
  { "VEN-CORR-NAC3", "VID-CLARO-6", "BLA" },
  { "VEN-FIJA-NAC3", "VID-TEMPLADO-6", "NEG" },
  { "VEN-PROY-S35", "VID-LAMINADO-6", "NAT" },
}
local items = {}
for i = 0, tonumber(os.getenv("BENCH_ITEMS") or "1") - 1 do
  local p = products[(i % #products) + 1]
  table.insert(items, string.format(
    '{"product":"%s","width_cm":"%d","height_cm":"%d","quantity":%d,"glass":"%s","colour":"%s"}',
    p[1], 80 + (i % 5) * 10, 60 + (i % 5) * 10, 1 + (i % 3), p[2], p[3]))
end
local body = '{"items":[' .. table.concat(items, ",") .. ']}'
local tokens = {}
for token in string.gmatch(os.getenv("BENCH_TOKENS") or "", "[^,]+") do
  table.insert(tokens, token)
end
local n = 0

request = function()
  n = n + 1
  return wrk.format("POST", "/api/v1/quotes/preview", {
    ["Authorization"] = "Bearer " .. tokens[(n % #tokens) + 1],
    ["Content-Type"] = "application/json",
  }, body)
end
