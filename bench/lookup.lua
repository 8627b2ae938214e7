-- wrk script for bench/intel_lookup_bench.py: single-value look-ups of values that are in the
-- hub (parcel-N-redelivery.example for N below PI_BENCH_N), spread over the whole index.
local token = os.getenv("PI_BENCH_TOKEN")
local n = tonumber(os.getenv("PI_BENCH_N") or "1000000")
wrk.headers["Authorization"] = "Bearer " .. token
wrk.headers["Accept"] = "application/json"
local counter = 0

request = function()
	counter = counter + 1
	local i = (counter * 7919 + math.random(0, 1000)) % n
	return wrk.format("GET", "/api/v1/lookup?value=parcel-" .. i .. "-redelivery.example")
end
