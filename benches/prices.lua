-- wrk script for benches/load.sh: each request picks the next (tenant, code) pair,
-- so every tenant and every default code is asked for in turn.
local codes = {
  "PER-NAC3-RS", "PER-NAC3-JA", "PER-NAC3-ZO", "PER-NAC3-TR", "PER-S35-CM", "PER-S35-MM",
  "PER-NAC3-FE", "PER-NAC3-JF", "VID-CLARO-4", "VID-CLARO-6", "VID-BRONCE-4", "VID-BRONCE-6",
  "VID-REFLECTIVO-6", "VID-LAMINADO-6", "VID-TEMPLADO-6", "HER-ROD-3", "HER-BRA-10",
  "HER-CRE-S35", "HER-CER-MP", "HER-BIS-REF", "CON-FEL-NEG", "CON-SIL-NEU", "CON-PIJ-8x1",
  "CON-CUN-HUL", "CON-TOR-AUTO",
}
-- Tokens come from BENCH_TOKENS (comma-separated) or, for thousands of tenants,
-- from the file named by BENCH_TOKENS_FILE (one per line).
local tokens = {}
local file = os.getenv("BENCH_TOKENS_FILE")
if file and file ~= "" then
  for token in io.lines(file) do
    table.insert(tokens, token)
  end
else
  for token in string.gmatch(os.getenv("BENCH_TOKENS") or "", "[^,]+") do
    table.insert(tokens, token)
  end
end
local n = 0

request = function()
  n = n + 1
  local token = tokens[(n % #tokens) + 1]
  local code = codes[(math.floor(n / #tokens) % #codes) + 1]
  return wrk.format("GET", "/api/v1/prices/" .. code, { ["Authorization"] = "Bearer " .. token })
end

response = function(status)
  if status ~= 200 then
    io.stderr:write("unexpected status " .. status .. "\n")
  end
end
