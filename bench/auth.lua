-- wrk script: adds the token from the environment to every request.
local token = os.getenv("PI_BENCH_TOKEN")
wrk.headers["Authorization"] = "Bearer " .. token
wrk.headers["Accept"] = "application/taxii+json;version=2.1"
