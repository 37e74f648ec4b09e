-- A page of 50 tasks from a random place in a 10,000-task project (tasks t00000..t09999 at
-- positions 1024, 2048, ...). WAYMARK_PROJECT and WAYMARK_TOKEN come from the environment.
local project = os.getenv("WAYMARK_PROJECT")
wrk.headers["Authorization"] = "Bearer " .. os.getenv("WAYMARK_TOKEN")
math.randomseed(7)

request = function()
  local i = math.random(0, 9949)
  local after = string.format("%d.t%05d", (i + 1) * 1024, i)
  return wrk.format("GET", "/api/v1/projects/" .. project .. "/tasks?limit=50&after=" .. after)
end
