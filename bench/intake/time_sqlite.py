import random, sqlite3, sys, time

db = sqlite3.connect(sys.argv[1])
random.seed(1)
Q = {
 'service_and_people': ("SELECT services.active, people.*, EXISTS (SELECT 1 FROM restrictions r WHERE r.person_id = people.id AND r.lifted_at IS NULL), EXISTS (SELECT 1 FROM adjustments a WHERE a.person_id = people.id AND a.in_force), EXISTS (SELECT 1 FROM legal_holds h WHERE h.person_id = people.id AND h.lifted_at IS NULL) FROM services LEFT OUTER JOIN people ON people.subject = ? OR people.email_key = ? OR people.phone_key = ? OR people.id = 0 WHERE services.id = 'highways' ORDER BY people.id LIMIT 41", lambda p: ('customer-%d' % p, 'p%d@example.org' % p, '01632%06d' % p)),
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
