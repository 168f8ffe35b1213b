-- One host's share of a fleet's guards (rebound/fleet.Store.Sync): the
-- breaker's counts in time buckets, its open period and probe lease; the
-- retry budget's token bucket; the quota the server reported; the
-- processes that call the host. Every key shares the host's hash tag, and
-- every key written gets a TTL. Times are the server's, in milliseconds.
--
-- KEYS: 1 breaker hash, 2 budget hash, 3 pace hash, 4 instances hash
-- ARGV: 1 instance, 2 interval,
--       3 breaker on, 4 calls, 5 failures, 6 tripped, 7 closed, 8 want probe,
--       9 window, 10 buckets, 11 minimum calls, 12 failure rate, 13 open timeout, 14 lease,
--       15 budget on, 16 deposit, 17 want, 18 burst, 19 per second,
--       20 pace on, 21 seen, 22 limit, 23 remaining, 24 reset, 25 count window,
--       26 channel to publish the breaker's changes on (Store.Watch)
-- Returns: open for, half-open, probe, calls, failures, granted,
--          pace known, limit, remaining, reset, instances
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local inst = ARGV[1]
local interval = tonumber(ARGV[2])
local out = {0, 0, 0, 0, 0, 0, 0, -1, -1, 0, 1}

if ARGV[3] == '1' then
	local b = KEYS[1]
	local window, nb = tonumber(ARGV[9]), tonumber(ARGV[10])
	local width = math.max(math.floor(window / nb), 1)
	local cur = math.floor(now / width)
	local calls, fails = tonumber(ARGV[4]), tonumber(ARGV[5])
	local slot = cur % nb
	if calls > 0 then
		if tonumber(redis.call('HGET', b, 't' .. slot)) ~= cur then
			redis.call('HSET', b, 't' .. slot, cur, 'c' .. slot, 0, 'f' .. slot, 0)
		end
		redis.call('HINCRBY', b, 'c' .. slot, calls)
		if fails > 0 then redis.call('HINCRBY', b, 'f' .. slot, fails) end
	end
	local fields = {}
	for i = 0, nb - 1 do
		fields[#fields + 1] = 't' .. i
		fields[#fields + 1] = 'c' .. i
		fields[#fields + 1] = 'f' .. i
	end
	local v = redis.call('HMGET', b, unpack(fields))
	-- Newest bucket first; with a count window, stop once it is full.
	local C, F = 0, 0
	local want = tonumber(ARGV[25])
	for j = 0, nb - 1 do
		local i = (cur - j) % nb
		if tonumber(v[3 * i + 1]) == cur - j then
			C = C + (tonumber(v[3 * i + 2]) or 0)
			F = F + (tonumber(v[3 * i + 3]) or 0)
			if want > 0 and C >= want then break end
		end
	end
	local st = redis.call('HMGET', b, 'until', 'half', 'lease', 'lexp')
	local untl, half, lease, lexp = tonumber(st[1]) or 0, st[2] == '1', st[3], tonumber(st[4]) or 0
	if lease and lexp <= now then lease = false end
	local wasOpen, wasHalf = untl > now, half
	local fresh = false
	local tripped = tonumber(ARGV[6])
	if tripped > 0 then
		untl, half, lease, fresh = math.max(untl, now + tripped), true, false, true
	elseif ARGV[7] == '1' and untl <= now and (not lease or lease == inst) then
		untl, half, lease, fresh = 0, false, false, true
	elseif untl <= now and not half and C > 0 and C >= tonumber(ARGV[11]) and F / C >= tonumber(ARGV[12]) then
		untl, half, fresh = now + tonumber(ARGV[13]), true, true
	end
	local probe = 0
	if half and untl <= now and ARGV[8] == '1' and (not lease or lease == inst) then
		lease, lexp, probe = inst, now + tonumber(ARGV[14]), 1
	end
	if fresh then
		redis.call('DEL', b)
		C, F = 0, 0
	end
	if (untl > now) ~= wasOpen or half ~= wasHalf then
		redis.call('PUBLISH', ARGV[26], b)
	end
	redis.call('HSET', b, 'until', untl, 'half', half and '1' or '0')
	if lease then
		redis.call('HSET', b, 'lease', lease, 'lexp', lexp)
	else
		redis.call('HDEL', b, 'lease', 'lexp')
	end
	redis.call('PEXPIRE', b, window + math.max(untl - now, lexp - now, 0) + tonumber(ARGV[14]))
	out[1] = math.max(untl - now, 0)
	out[2] = (half and untl <= now) and 1 or 0
	out[3] = probe
	out[4], out[5] = C, F
end

if ARGV[15] == '1' then
	local k = KEYS[2]
	local burst, rate = tonumber(ARGV[18]), tonumber(ARGV[19])
	local v = redis.call('HMGET', k, 'tok', 'ts')
	local tok, ts = tonumber(v[1]) or burst, tonumber(v[2]) or now
	tok = math.min(burst, tok + tonumber(ARGV[16]) + rate * math.max(now - ts, 0) / 1000)
	local grant = math.max(math.min(tonumber(ARGV[17]), math.floor(tok)), 0)
	tok = tok - grant
	redis.call('HSET', k, 'tok', tostring(tok), 'ts', now)
	local ttl = 60000
	if rate > 0 then ttl = math.max(ttl, math.floor(burst / rate * 1000)) end
	redis.call('PEXPIRE', k, ttl)
	out[6] = grant
end

if ARGV[20] == '1' then
	local k = KEYS[3]
	local v = redis.call('HMGET', k, 'lim', 'rem', 'rst')
	local lim, rem, rst = tonumber(v[1]), tonumber(v[2]), tonumber(v[3]) or 0
	if rst > 0 and rst <= now then lim, rem, rst = nil, nil, 0 end -- the window refilled
	if ARGV[21] == '1' then
		local nl, nr, nd = tonumber(ARGV[22]), tonumber(ARGV[23]), tonumber(ARGV[24])
		local nrst = 0
		if nd > 0 then nrst = now + nd end
		local same = rem ~= nil and (nrst == 0 or rst == 0 or math.abs(nrst - rst) < 1000)
		if nl >= 0 then lim = nl end
		if nr >= 0 and not (same and rem >= 0 and nr > rem) then rem = nr end
		if nrst > 0 and not (same and rst > 0 and nrst > rst) then rst = nrst end
		redis.call('HSET', k, 'lim', lim or -1, 'rem', rem or -1, 'rst', rst)
		if rst > 0 then
			redis.call('PEXPIRE', k, rst - now + 1000)
		else
			redis.call('PEXPIRE', k, 60000)
		end
	end
	if (rem ~= nil and rem >= 0) or rst > 0 then
		out[7], out[8], out[9] = 1, lim or -1, rem or -1
		if rst > 0 then out[10] = rst - now end
	end
end

local w = KEYS[4]
redis.call('HSET', w, inst, now)
local all = redis.call('HGETALL', w)
local n = 0
for i = 1, #all, 2 do
	if tonumber(all[i + 1]) >= now - 3 * interval then
		n = n + 1
	else
		redis.call('HDEL', w, all[i])
	end
end
redis.call('PEXPIRE', w, 3 * interval + 1000)
out[11] = math.max(n, 1)
return out
