// The Redis side of `decide` (sliding-window.ts), as one Lua script so that a check is one round
// trip and atomic across every app instance. Keep the two in step: test/services/traffic-redis
// replays what Redis decided, at the server times it decided them, through `decide`.
//
// Why a script of our own: rate-limiter-flexible counts fixed windows and its RateLimiterUnion
// consumes each limiter separately (several round trips, and a request refused by one window is
// still counted by the others); @upstash/ratelimit's sliding window is the weighted two-window
// approximation (over-admits bursts) over Upstash's REST client, one window per limiter;
// @fastify/rate-limit's Redis store is a single fixed window (INCR + PEXPIRE). None gives several
// windows decided together with a hard "at most limit in any window" bound.
//
// Time comes from the server (TIME), so the clocks of the app instances don't matter. Since Redis 5,
// scripts are replicated as their effects, so calling the non-deterministic TIME before writing is allowed.
//
// The script keeps the same counts as `decide` incrementally, so that a check costs O(1) amortised
// Redis work instead of reading every bucket (on the bench machine, HGETALL of 3 × 61 buckets cost
// ~200 µs of Redis CPU per check; this costs ~37 µs, @fastify/rate-limit's INCR ~10 µs). Each window
// hash holds its buckets plus
//   n = requests in the buckets it holds, h = oldest non-empty bucket, c = newest bucket.
// Buckets that fall out of the window are subtracted and deleted when `h` falls behind, once per
// bucket period at most. Same decisions as `decide`; only the bookkeeping differs.
//
// KEYS[w]: one hash per window. ARGV[3w-2], ARGV[3w-1], ARGV[3w]: limit, bucketMs, span of window w.
// Reply: { allowed (0|1), nowMs, count_1, resetMs_1, …, count_n, resetMs_n }.
export const SLIDING_WINDOW_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local function field(index) return string.format('%.0f', index) end
-- Counts of buckets first..last of one window, false for empty ones, in one HMGET.
local function fetch(key, first, last)
  local fields = {}
  for index = first, last do fields[#fields + 1] = field(index) end
  return redis.call('HMGET', key, unpack(fields))
end

local n = #KEYS
local allowed = 1
local limit, size, span, cur, count, head, newest, current = {}, {}, {}, {}, {}, {}, {}, {}
for w = 1, n do
  local key = KEYS[w]
  limit[w], size[w], span[w] = tonumber(ARGV[3 * w - 2]), tonumber(ARGV[3 * w - 1]), tonumber(ARGV[3 * w])
  cur[w] = math.floor(now / size[w])
  local oldest = cur[w] - span[w]
  local meta = redis.call('HMGET', key, 'n', 'h', 'c', field(cur[w]))
  local total, h, c = tonumber(meta[1]) or 0, tonumber(meta[2]), tonumber(meta[3])
  current[w] = tonumber(meta[4]) or 0
  if h and h < oldest then
    if c < oldest then
      redis.call('DEL', key)
      total, h, c, current[w] = 0, nil, nil, 0
    else
      local counts = fetch(key, h, c)
      local dead, first = {}, nil
      for i = 1, #counts do
        local index = h + i - 1
        if counts[i] then
          if index < oldest then
            total = total - tonumber(counts[i])
            dead[#dead + 1] = field(index)
          elseif not first then
            first = index
          end
        end
      end
      if not first then
        -- Cannot happen (bucket c is never deleted before h passes it); start over rather than
        -- fail every check of this key, which would push the whole limiter into its failure mode.
        redis.call('DEL', key)
        total, h, c, current[w] = 0, nil, nil, 0
      else
        if #dead > 0 then redis.call('HDEL', key, unpack(dead)) end
        h = first
        redis.call('HSET', key, 'n', total, 'h', field(h))
      end
    end
  end
  count[w], head[w], newest[w] = total, h, c
  if total >= limit[w] then allowed = 0 end
end

if allowed == 1 then
  for w = 1, n do
    count[w] = count[w] + 1
    -- One write per window: the script is atomic, so read-then-set is safe.
    local updates = { field(cur[w]), current[w] + 1, 'n', count[w] }
    if not head[w] or cur[w] < head[w] then
      head[w] = cur[w]
      updates[#updates + 1], updates[#updates + 2] = 'h', field(cur[w])
    end
    local fresh = not newest[w] or cur[w] > newest[w]
    if fresh then
      newest[w] = cur[w]
      updates[#updates + 1], updates[#updates + 2] = 'c', field(cur[w])
    end
    redis.call('HSET', KEYS[w], unpack(updates))
    -- Set once per new bucket: lasts until after the newest bucket stops counting.
    if fresh then redis.call('PEXPIRE', KEYS[w], (span[w] + 2) * size[w]) end
  end
end

local out = { allowed, now }
for w = 1, n do
  local reset = now
  local need = math.max(1, count[w] - limit[w] + 1)
  if count[w] > 0 and need == 1 then
    reset = (head[w] + span[w] + 1) * size[w]
  elseif count[w] > 0 then
    -- Over the limit (it was lowered): walk from the oldest bucket until enough have left.
    local counts = fetch(KEYS[w], head[w], newest[w])
    local freed = 0
    for i = 1, #counts do
      if counts[i] then
        freed = freed + tonumber(counts[i])
        reset = (head[w] + i + span[w]) * size[w]
        if freed >= need then break end
      end
    end
  end
  out[#out + 1] = count[w]
  out[#out + 1] = reset
end
return out
`;
