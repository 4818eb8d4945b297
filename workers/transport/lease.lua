-- Heartbeat or hand-back of the entries a consumer still owns: set their idle time (0 keeps
-- them, a large value lets the next reaper anywhere take them). Entries another consumer
-- has since reclaimed are left alone, never stolen back. JUSTID: no delivery is counted.
-- KEYS: 1 stream
-- ARGV: 1 group, 2 consumer, 3 idle ms to set, 4.. entry ids
local args = {'XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0}
local owned = 0
for i = 4, #ARGV do
  local p = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
  if p[1] and p[1][2] == ARGV[2] then
    table.insert(args, ARGV[i])
    owned = owned + 1
  end
end
if owned > 0 then
  table.insert(args, 'IDLE')
  table.insert(args, ARGV[3])
  table.insert(args, 'JUSTID')
  redis.call(unpack(args))
end
return owned
