#!/usr/bin/env python3
"""Writes the demand traces of docs/scaling-quality.md (deterministic: fixed seeds).

usage: scripts/backtest-traces.py DIR
  periodic.csv     the seed's periodic traffic: a 1-hour wave 50..500 (3 days, 1-minute steps, +-3 % noise)
  daily-weekly.csv daily and weekly seasonality with a 2 %/week trend (3 weeks, 1-minute steps, +-5 % noise)
  bursty.csv       a daily wave with random bursts of 2-6x lasting 2-20 minutes (10 days, 1-minute steps)
  flash-crowd.csv  a daily wave, then on day 8 a flash crowd: 10x within 5 minutes for 3 hours (10 days)
  week.csv         a week of 1-minute data for the benchmark (daily + hourly waves)
  morning-ramp.csv a quiet night, then every day at 08:00 a ramp from 100 to 1200 within 10 minutes (10 days):
                   rises a lagging hpa misses and the history predicts (used to tune the predictive settings)
  lunch-surge.csv  a daily wave 200..600 and every day at 12:03 three times the demand within 4 minutes for 40
                   minutes (10 days): the same kind of rise, held out from the tuning
Timestamps are epoch seconds from 2026-01-05T00:00:00Z (a Monday).
"""
import math
import os
import random
import sys

START = 1767571200  # 2026-01-05T00:00:00Z, a Monday


def write(path, values, step=60):
    with open(path, "w") as f:
        f.write("timestamp,value\n")
        for i, v in enumerate(values):
            f.write("%d,%.3f\n" % (START + i * step, max(0.0, v)))


def periodic():
    r = random.Random(1)
    out = []
    for i in range(3 * 24 * 60):
        t = i * 60
        base = 50 + 450 * (1 - math.cos(2 * math.pi * t / 3600)) / 2
        out.append(base * (1 + r.uniform(-0.03, 0.03)))
    return out


def daily_weekly():
    r = random.Random(2)
    out = []
    for i in range(21 * 24 * 60):
        t = i * 60
        day = (t % 86400) / 86400
        weekday = (t // 86400) % 7
        daily = 0.5 - 0.5 * math.cos(2 * math.pi * day)          # trough at midnight, peak at noon
        weekly = 1.0 if weekday < 5 else 0.55                     # weekends are quieter
        trend = 1 + 0.02 * t / (7 * 86400)
        v = (100 + 900 * daily * weekly) * trend
        out.append(v * (1 + r.uniform(-0.05, 0.05)))
    return out


def daily(t):
    return 200 + 600 * (0.5 - 0.5 * math.cos(2 * math.pi * (t % 86400) / 86400))


def bursty():
    r = random.Random(3)
    n = 10 * 24 * 60
    out = [daily(i * 60) * (1 + r.uniform(-0.05, 0.05)) for i in range(n)]
    i = 0
    while i < n:
        i += int(r.expovariate(1 / 120))  # a burst every 2 hours on average
        length = r.randint(2, 20)
        factor = r.uniform(2, 6)
        for j in range(i, min(n, i + length)):
            out[j] *= factor
        i += length
    return out


def flash_crowd():
    r = random.Random(4)
    n = 10 * 24 * 60
    out = []
    crowd = 8 * 24 * 60 + 14 * 60  # day 8, 14:00
    for i in range(n):
        v = daily(i * 60) * (1 + r.uniform(-0.05, 0.05))
        k = i - crowd
        if 0 <= k < 180:
            v *= 1 + 9 * min(1.0, k / 5)
        out.append(v)
    return out


def week():
    r = random.Random(5)
    out = []
    for i in range(7 * 24 * 60):
        t = i * 60
        v = daily(t) * (1 + 0.2 * math.sin(2 * math.pi * t / 3600))
        out.append(v * (1 + r.uniform(-0.05, 0.05)))
    return out


def morning_ramp():
    r = random.Random(6)
    out = []
    for i in range(10 * 24 * 60):
        minute = i % (24 * 60)
        if minute < 8 * 60:
            v = 100
        elif minute < 8 * 60 + 10:
            v = 100 + 1100 * (minute - 8 * 60) / 10      # the morning ramp: 100 -> 1200 in 10 minutes
        elif minute < 17 * 60:
            v = 1200 + 150 * math.sin(2 * math.pi * (minute - 8 * 60) / (9 * 60))
        elif minute < 19 * 60:
            v = 1200 - 1100 * (minute - 17 * 60) / 120    # the evening: back to 100 over 2 hours
        else:
            v = 100
        out.append(v * (1 + r.uniform(-0.05, 0.05)))
    return out


def lunch_surge():
    r = random.Random(7)
    out = []
    for i in range(10 * 24 * 60):
        minute = i % (24 * 60)
        v = 200 + 400 * (0.5 - 0.5 * math.cos(2 * math.pi * minute / (24 * 60)))
        k = minute - (12 * 60 + 3)
        if 0 <= k < 4:
            v *= 1 + 2 * k / 4                              # the surge: 3x within 4 minutes
        elif 4 <= k < 44:
            v *= 3
        elif 44 <= k < 49:
            v *= 3 - 2 * (k - 44) / 5                       # and back within 5
        out.append(v * (1 + r.uniform(-0.05, 0.05)))
    return out


def main():
    if len(sys.argv) != 2:
        print(__doc__)
        sys.exit(2)
    d = sys.argv[1]
    os.makedirs(d, exist_ok=True)
    write(os.path.join(d, "periodic.csv"), periodic())
    write(os.path.join(d, "daily-weekly.csv"), daily_weekly())
    write(os.path.join(d, "bursty.csv"), bursty())
    write(os.path.join(d, "flash-crowd.csv"), flash_crowd())
    write(os.path.join(d, "week.csv"), week())
    write(os.path.join(d, "morning-ramp.csv"), morning_ramp())
    write(os.path.join(d, "lunch-surge.csv"), lunch_surge())


if __name__ == "__main__":
    main()
