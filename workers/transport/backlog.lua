-- Active images, not counting the ones the caller already counts itself.
-- KEYS: 1 active set
-- ARGV: image ids to leave out
local n = redis.call('SCARD', KEYS[1])
for i = 1, #ARGV do
  n = n - redis.call('SISMEMBER', KEYS[1], ARGV[i])
end
return n
