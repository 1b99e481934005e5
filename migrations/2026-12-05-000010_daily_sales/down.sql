INSERT INTO daily_rollup (org_id, salesperson_id, metric, day, amount)
SELECT org_id, salesperson_id, m.metric, day, m.amount
  FROM daily_sales
 CROSS JOIN LATERAL (VALUES ('revenue', revenue), ('gross_profit', gross_profit),
                            ('overlay:revenue', overlay_revenue),
                            ('overlay:gross_profit', overlay_gross_profit)) AS m(metric, amount)
 WHERE m.amount <> 0;

DROP TABLE daily_sales;
