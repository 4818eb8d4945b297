-- Heartbeat or hand-back of the entries a consumer still owns: set their idle time (0 keeps
-- them, a large value lets the next reaper anywhere take them). Entries another consumer
-- has since reclaimed are left alone, never stolen back. JUSTID: no delivery is counted.
-- A hand-back that was no failure of the message (its input is on another host, the worker
-- is stopping) also takes back the delivery it was given, so passing a message around never
-- brings it nearer its dead letter; the next reclaim counts it again.
-- KEYS: 1 stream
-- ARGV: 1 group, 2 consumer, 3 idle ms to set, 4 '1' to take back the delivery, 5.. entry ids
local owned = 0
for i = 5, #ARGV do
  local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
  if p[1] and p[1][2] == ARGV[2] then
    local args = {'XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'IDLE', ARGV[3]}
    if ARGV[4] == '1' then
      table.insert(args, 'RETRYCOUNT')
      table.insert(args, math.max(tonumber(p[1][4]) - 1, 0))
    end
    table.insert(args, 'JUSTID')
    redis.call(unpack(args))
    owned = owned + 1
  end
end
return owned
