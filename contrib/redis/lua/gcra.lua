-- A fleet-wide quota by the generic cell rate algorithm (GCRA; ATM Forum
-- Traffic Management Specification 4.0; as in redis-cell and Brandur
-- Leach's "Rate limiting, cells and GCRA",
-- https://brandur.org/rate-limiting), in its reservation form: each call
-- takes the next slot and learns how long to wait for it, so that one round
-- trip serves a call whatever the wait. Times are the server's, in
-- microseconds.
--
-- KEYS: 1 theoretical arrival time (TAT), 2 instances sorted set
-- ARGV: 1 emission interval T, 2 burst B, 3 longest wait, 4 instance,
--       5 how long an instance counts after its last call
-- Returns: granted (1 or 0), wait, instances
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local T, B, maxWait = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local tat = math.max(tonumber(redis.call('GET', KEYS[1])) or now, now)
local newTat = tat + T
local wait = math.max(newTat - B * T - now, 0)
local granted = 0
if wait <= maxWait then
	granted = 1
	redis.call('SET', KEYS[1], string.format('%.0f', newTat), 'PX', math.ceil((newTat - now) / 1000) + 1)
end
local live = tonumber(ARGV[5])
redis.call('ZADD', KEYS[2], now, ARGV[4])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - live)
redis.call('PEXPIRE', KEYS[2], math.ceil(live / 1000) + 1)
return {granted, wait, redis.call('ZCARD', KEYS[2])}
