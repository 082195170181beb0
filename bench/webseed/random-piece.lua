-- wrk script: every request asks for one random whole piece (Range: bytes=a-b), like a webseed client.
-- env: WS_PATH (request path), WS_SIZE (file size), WS_PIECE (piece length)
local path = os.getenv("WS_PATH")
local size = tonumber(os.getenv("WS_SIZE"))
local piece = tonumber(os.getenv("WS_PIECE"))
local pieces = math.floor(size / piece)
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("seed", counter)
end

function init(args)
  math.randomseed(os.time() + (seed or 0) * 7919)
end

function request()
  local i = math.random(0, pieces - 1)
  local first = i * piece
  return wrk.format("GET", path, { ["Range"] = "bytes=" .. first .. "-" .. (first + piece - 1) })
end

function done(summary, latency, requests)
  io.write(string.format("RESULT requests=%d bytes=%d seconds=%.3f p50_ms=%.2f p99_ms=%.2f errors=%d non2xx=%d\n",
    summary.requests, summary.bytes, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout, summary.errors.status))
end
