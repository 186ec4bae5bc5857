-- wrk script for benches/overhead.sh: GET <BASELINE_PATH>/<code>, rotating over the
-- seven default glass codes (every tenant has its own rows of them). Each request
-- carries a bearer token and each answer's status is checked, as benches/prices.lua
-- does for the service: the client spends the same on both sides of a ratio.
local codes = {
  "VID-CLARO-4", "VID-CLARO-6", "VID-BRONCE-4", "VID-BRONCE-6", "VID-REFLECTIVO-6",
  "VID-LAMINADO-6", "VID-TEMPLADO-6",
}
local base = os.getenv("BASELINE_PATH") or "/sql"
local tokens = {}
for token in string.gmatch(os.getenv("BENCH_TOKENS") or "", "[^,]+") do
  table.insert(tokens, token)
end
local n = 0

request = function()
  n = n + 1
  local token = tokens[(n % #tokens) + 1]
  return wrk.format("GET", base .. "/" .. codes[(n % #codes) + 1], { ["Authorization"] = "Bearer " .. token })
end

response = function(status)
  if status ~= 200 then
    io.stderr:write("unexpected status " .. status .. "\n")
  end
end
