DROP TABLE plan_confirmations;
DROP TABLE evacuation_plans;
ALTER TABLE residents DROP COLUMN needs_evacuation_plan;
