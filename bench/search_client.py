#!/usr/bin/env python3
"""Latency of chatd's search (bench/search.sh): sequential requests over one keep-alive
connection, p50/p99 per class of query.

    search_client.py PORT TOKEN CONVERSATION ROUNDS
"""
import http.client
import json
import sys
import time
import urllib.parse

PORT, TOKEN, CONVERSATION, ROUNDS = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])

# Common and rare words of the corpus (bench/corpus/family-chat.txt), and one never there.
CLASSES = {
    "1 character": ["饭", "猫", "药", "票", "雪", "鱼", "花", "鲸"],
    "2 characters": ["吃饭", "下雨", "快递", "孩子", "电影", "生日", "红包", "鲸鱼"],
    "3+ characters": ["一起吃饭", "红烧肉", "电影票", "家长会", "体检报告", "WiFi", "糖醋排骨", "不存在的词"],
}

conn = http.client.HTTPConnection("127.0.0.1", int(PORT))
headers = {"Authorization": f"Bearer {TOKEN}"}


def timed(path):
    start = time.perf_counter()
    conn.request("GET", path, headers=headers)
    res = conn.getresponse()
    body = res.read()
    took = (time.perf_counter() - start) * 1000
    if res.status != 200:
        sys.exit(f"{path}: {res.status} {body[:200]!r}")
    return took, json.loads(body)["data"]


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


print(f"{'query':<16} {'where':<18} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}  samples, e.g. hits")
for name, words in CLASSES.items():
    for where in ("global", "one conversation"):
        times, example = [], None
        for _ in range(ROUNDS):
            for word in words:
                q = urllib.parse.quote(word)
                if where == "global":
                    took, data = timed(f"/api/auth/search?q={q}")
                    hits = sum(c["match_count"] for c in data["conversations"])
                else:
                    took, data = timed(f"/api/auth/conversations/{CONVERSATION}/search?q={q}")
                    hits = len(data)
                times.append(took)
                example = example or f"{word}: {hits}"
        print(f"{name:<16} {where:<18} {percentile(times, 50):>8.1f} {percentile(times, 99):>8.1f} {max(times):>8.1f}  {len(times)}, {example}")
