-- Task updates: each request sets the progress of a task not written before (so its version is
-- still 1 and the If-Match holds); thread k of n writes tasks k, k+n, k+2n, ...
local project = os.getenv("WAYMARK_PROJECT")
local token = os.getenv("WAYMARK_TOKEN")
local counter = 0
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  counter = 0
end

request = function()
  local count = tonumber(os.getenv("WAYMARK_THREADS") or "2")
  local i = id + counter * count
  counter = counter + 1
  if i > 9999 then
    i = i % 10000
  end
  return wrk.format("PATCH", string.format("/api/v1/projects/%s/tasks/t%05d", project, i), {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
    ["If-Match"] = "\"1\"",
  }, "{\"progress\": 0.5}")
end

local statuses = {}
response = function(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end
