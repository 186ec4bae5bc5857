-- wrk script for benches/overhead.sh: GET <BASELINE_PATH>/<code>, rotating over the
-- seven default glass codes (every tenant has its own rows of them).
local codes = {
  "VID-CLARO-4", "VID-CLARO-6", "VID-BRONCE-4", "VID-BRONCE-6", "VID-REFLECTIVO-6",
  "VID-LAMINADO-6", "VID-TEMPLADO-6",
}
local base = os.getenv("BASELINE_PATH") or "/sql"
local n = 0

request = function()
  n = n + 1
  return wrk.format("GET", base .. "/" .. codes[(n % #codes) + 1])
end
