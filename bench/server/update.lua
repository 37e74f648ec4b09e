-- wrk script: task updates, each a JSON merge patch of `progress` with `If-Match` naming the
-- task's current version. Requests go round-robin over the tasks in a file ("id version" per
-- line, read just before the run), so no two requests in flight name the same task and every
-- ETag is fresh; after a full pass each task's version is one higher. Paced like read.lua.
--
--   wrk -t1 -c10 -d30s --latency -s update.lua URL -- TOKEN PAUSE_MS PROJECT_ID TASKS_FILE
-- wrk counts every answer that is not 2xx ("Non-2xx or 3xx responses"): a 412 would show there.
local ids, versions = {}, {}
local pause = 0
local token, prefix
local n = 0

function init(args)
   token = args[1]
   pause = tonumber(args[2])
   prefix = "/api/v1/projects/" .. args[3] .. "/tasks/"
   for line in io.lines(args[4]) do
      local id, version = line:match("^(%S+) (%d+)$")
      ids[#ids + 1] = id
      versions[#versions + 1] = tonumber(version)
   end
end

function request()
   local k = n % #ids
   local pass = math.floor(n / #ids)
   n = n + 1
   local headers = {
      ["Authorization"] = "Bearer " .. token,
      ["Content-Type"] = "application/json",
      ["If-Match"] = '"' .. (versions[k + 1] + pass) .. '"',
   }
   local body = '{"progress": ' .. ((n % 9) + 1) / 10 .. '}'
   return wrk.format("PATCH", prefix .. ids[k + 1], headers, body)
end

function delay()
   return pause
end
