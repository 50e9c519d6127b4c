import random, sqlite3, sys, time

db = sqlite3.connect(sys.argv[1])
random.seed(1)
Q = {
 'by_subject': ("SELECT * FROM people WHERE subject = ? AND merged_into IS NULL ORDER BY id LIMIT 1", lambda p: ('customer-%d' % p,)),
 'by_email': ("SELECT * FROM people WHERE email_key = ? AND merged_into IS NULL ORDER BY id LIMIT 20", lambda p: ('p%d@example.org' % p,)),
 'by_phone': ("SELECT * FROM people WHERE phone_key = ? AND merged_into IS NULL ORDER BY id LIMIT 20", lambda p: ('01632%06d' % p,)),
 'duplicates': ("SELECT cases.id, cases.reference, cases.summary, cases.description FROM customers INNER JOIN cases ON cases.customer_id = customers.id WHERE customers.person_id = ? AND cases.id <> 0 AND cases.service_id = 'highways' AND cases.kind = 'complaint' AND cases.received_at BETWEEN '2025-01-12 00:00:00' AND '2025-05-12 00:00:00' ORDER BY cases.received_at DESC, cases.id DESC LIMIT 50", lambda p: (p,)),
}
for name, (sql, args) in Q.items():
    print(name, [r[3] for r in db.execute('EXPLAIN QUERY PLAN ' + sql, args(124))])
    n = 5000
    ps = [random.randint(1, 400000) for _ in range(n)]
    t = time.perf_counter()
    for p in ps:
        db.execute(sql, args(p)).fetchall()
    dt = (time.perf_counter() - t) / n
    print('  %s: %.1f us per query over %d random people' % (name, dt * 1e6, n))
