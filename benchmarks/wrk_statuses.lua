-- For benchmarks/wrk.py: counts the responses by status ("status 200 1234" lines at the end)
-- and, given paths after "--", requests them in turn (a mix of pages).
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  paths = args
  counter = 0
  statuses = {}
  if #paths == 0 then
    request = nil -- one page: wrk's prepared request, no Lua call per request
  end
end

function request()
  counter = counter + 1
  return wrk.format(nil, paths[(counter - 1) % #paths + 1])
end

function response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

function done(summary, latency, requests)
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      io.write(string.format("status %d %d\n", status, count))
    end
  end
end
