-- wrk script: authenticated GETs of 50-task pages, cycling through the page URLs in a file,
-- paced by a fixed pause after each answer so that the rate stays near a target (Debian's wrk
-- 4.1 has no constant-rate mode: rate ~= connections * 1000 / (pause_ms + latency_ms)).
--
--   wrk -t1 -c20 -d60s --latency -s read.lua URL -- TOKEN PAUSE_MS PAGES_FILE
local paths = {}
local pause = 0
local n = 0

function init(args)
   wrk.headers["Authorization"] = "Bearer " .. args[1]
   pause = tonumber(args[2])
   for line in io.lines(args[3]) do
      paths[#paths + 1] = line
   end
end

function request()
   n = n + 1
   return wrk.format("GET", paths[(n % #paths) + 1])
end

function delay()
   return pause
end
