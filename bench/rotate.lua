-- wrk script for bench/progress.sh: each request takes the next line of the
-- file named after `--` ("PATH" or "PATH TOKEN"), so that the load spreads over
-- many people, each with their own token. Each thread starts at its own line.
--
--   wrk -t2 -c32 -d20s -s bench/rotate.lua http://127.0.0.1:18790 -- paths.txt

local threads = 0

function setup(thread)
  -- Sets the global `first` in the thread's own Lua state.
  thread:set("first", threads * 101)
  threads = threads + 1
end

local requests = {}
local next_one = 0

function init(args)
  for line in io.lines(args[1]) do
    local path, token = line:match("^(%S+)%s*(%S*)$")
    if path then
      local headers = {}
      if token ~= "" then
        headers["Authorization"] = "Bearer " .. token
      end
      requests[#requests + 1] = wrk.format("GET", path, headers)
    end
  end
  assert(#requests > 0, "no request lines in " .. args[1])
  next_one = (first or 0) % #requests
end

function request()
  next_one = next_one % #requests + 1
  return requests[next_one]
end
