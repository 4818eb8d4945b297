-- The join of translation and inpainting. Each half records its result and acknowledges its
-- message; the call that completes the pair enqueues the render message. `joined` is set in
-- the same step, so replays and duplicates of either half never enqueue a second one, and a
-- duplicate delivery (already acknowledged by another worker) records nothing at all.
-- XACK first: see ack.lua (a full Redis never stops the script half-way).
-- KEYS: 1 image hash, 2 source stream, 3 busy hash, 4 render stream
-- ARGV: 1 group, 2 entry id, 3 JSON {"t": [[stage, seconds]...], "halves": [[name, ref]...],
--       "base": [[name, ref]...], "image": id, "job": id, "need": [name, name]}
-- Returns 2 (render enqueued), 1 (half recorded), 0 (the image is no longer active),
-- -1 (a duplicate).
if redis.call('XACK', KEYS[2], ARGV[1], ARGV[2]) == 0 then
  return -1
end
redis.call('XDEL', KEYS[2], ARGV[2])
if redis.call('HGET', KEYS[1], 'state') ~= 'active' then
  return 0
end
local j = cjson.decode(ARGV[3])
for _, t in ipairs(j.t) do
  redis.call('HSET', KEYS[1], 't:' .. t[1], t[2])
  redis.call('HINCRBYFLOAT', KEYS[3], t[1], t[2])
end
for _, h in ipairs(j.halves) do
  redis.call('HSET', KEYS[1], 'j:' .. h[1], h[2])
end
for _, b in ipairs(j.base) do
  redis.call('HSET', KEYS[1], 'b:' .. b[1], b[2])
end
local fields = {'image', j.image, 'job', j.job}
for _, b in ipairs(j.base) do
  table.insert(fields, 'r:' .. b[1])
  table.insert(fields, b[2])
end
for _, name in ipairs(j.need) do
  local ref = redis.call('HGET', KEYS[1], 'j:' .. name)
  if not ref then
    return 1
  end
  table.insert(fields, 'r:' .. name)
  table.insert(fields, ref)
end
if redis.call('HSETNX', KEYS[1], 'joined', '1') == 0 then
  return 1
end
redis.call('XADD', KEYS[4], '*', unpack(fields))
return 2
