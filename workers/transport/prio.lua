-- Viewport first: each newer call outranks every older one; within a call, the given order.
-- Finished images are skipped, so the set only ever holds active ones.
-- KEYS: 1 priority zset, 2 active set, 3 epoch counter
-- ARGV: image ids, most urgent first
local epoch = redis.call('INCR', KEYS[3])
for i = 1, #ARGV do
  if redis.call('SISMEMBER', KEYS[2], ARGV[i]) == 1 then
    redis.call('ZADD', KEYS[1], -epoch * 1000000 + i, ARGV[i])
  end
end
return epoch
