-- An image's terminal event. Acknowledges the message (and writes its dead letter) in the
-- same step; only the first finish of an active image emits, so the server never hears
-- `done` twice however often the last stage is replayed, and a duplicate delivery (already
-- acknowledged by another worker, which moved the image on) neither emits nor fails it.
-- The first write is one that needs no memory (XACK, or SREM without a message), so a full
-- Redis lets the script run to its end: finishing is what frees room.
-- KEYS: 1 image hash, 2 events stream, 3 active set, 4 priority zset, 5 source stream,
--       6 dead-letter stream, 7 busy hash, 8 the image's blob list
-- ARGV: 1 group, 2 entry id ('' when no message), 3 terminal state, 4 JSON event fields,
--       5 JSON dead-letter fields or '', 6 seconds the finished record is kept, 7 image id,
--       8 JSON [[stage, seconds]...] of the last stage, 9 seconds the image's Redis blobs
--       are kept should nobody free them, 10 the prefix of Redis blob references
if ARGV[2] ~= '' then
  if redis.call('XACK', KEYS[5], ARGV[1], ARGV[2]) == 0 then
    return 0
  end
  redis.call('XDEL', KEYS[5], ARGV[2])
end
if ARGV[5] ~= '' then
  redis.call('XADD', KEYS[6], '*', unpack(cjson.decode(ARGV[5])))
end
if redis.call('HGET', KEYS[1], 'state') ~= 'active' then
  return 0
end
redis.call('SREM', KEYS[3], ARGV[7])
redis.call('ZREM', KEYS[4], ARGV[7])
for _, t in ipairs(cjson.decode(ARGV[8])) do
  redis.call('HINCRBYFLOAT', KEYS[7], t[1], t[2])
end
redis.call('HSET', KEYS[1], 'state', ARGV[3])
redis.call('EXPIRE', KEYS[1], tonumber(ARGV[6]))
-- Blobs never expire while their image is active (a backlog may wait for days); from now
-- on they are the server's to free, and they go on their own if it never does.
local prefix = ARGV[10]
for _, ref in ipairs(redis.call('SMEMBERS', KEYS[8])) do
  if string.sub(ref, 1, #prefix) == prefix then
    redis.call('EXPIRE', string.sub(ref, #prefix + 1), tonumber(ARGV[9]))
  end
end
redis.call('EXPIRE', KEYS[8], tonumber(ARGV[9]))
redis.call('XADD', KEYS[2], '*', unpack(cjson.decode(ARGV[4])))
return 1
