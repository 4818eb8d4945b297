-- Acknowledge a stage's message and, while the image is active, enqueue what comes next and
-- record the stage's timings: one atomic step, so a crash leaves either all of it or none.
-- Only the delivery that acknowledges the entry moves the image on: a duplicate (the entry
-- was reclaimed and acknowledged by another worker first) changes nothing.
-- XACK comes first on purpose: it is a write that never needs memory, and once a script has
-- written, Redis lets it finish even past `maxmemory`; a full Redis never stops half-way.
-- KEYS: 1 image hash, 2 source stream, 3 busy hash, 4.. next streams
-- ARGV: 1 group, 2 entry id, 3 JSON {"t": [[stage, seconds]...], "next": [[field, value, ...]...]}
-- Returns 1 (moved on), 0 (acknowledged; the image is no longer active), -1 (a duplicate).
if redis.call('XACK', KEYS[2], ARGV[1], ARGV[2]) == 0 then
  return -1
end
redis.call('XDEL', KEYS[2], ARGV[2])
if redis.call('HGET', KEYS[1], 'state') ~= 'active' then
  return 0
end
local step = cjson.decode(ARGV[3])
for _, t in ipairs(step.t) do
  redis.call('HSET', KEYS[1], 't:' .. t[1], t[2])
  redis.call('HINCRBYFLOAT', KEYS[3], t[1], t[2])
end
for i, fields in ipairs(step.next) do
  redis.call('XADD', KEYS[3 + i], '*', unpack(fields))
end
return 1
