DROP INDEX activities_salesperson_day_idx;
DROP INDEX activities_day_idx;
DROP INDEX sales_salesperson_day_idx;
DROP INDEX sales_day_idx;
