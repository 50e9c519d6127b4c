-- The default service directory: the directorates and services of a
-- metropolitan council (seed 003). Councils change it through POST /api/v1/services.

INSERT INTO directorates (id, name, created_at) VALUES ('people', 'People', CURRENT_TIMESTAMP);
INSERT INTO directorates (id, name, created_at) VALUES ('chief-executives', 'Chief Executive''s', CURRENT_TIMESTAMP);
INSERT INTO directorates (id, name, created_at) VALUES ('place', 'Place', CURRENT_TIMESTAMP);

INSERT INTO services (id, name, directorate_id, area, email, active, created_at) VALUES ('adult-social-care', 'Adult Social Care', 'people', NULL, NULL, TRUE, CURRENT_TIMESTAMP);
INSERT INTO services (id, name, directorate_id, area, email, active, created_at) VALUES ('childrens-services', 'Children''s Services', 'people', NULL, NULL, TRUE, CURRENT_TIMESTAMP);
INSERT INTO services (id, name, directorate_id, area, email, active, created_at) VALUES ('food-safety', 'Food and Safety', 'people', 'Health and Wellbeing: Environmental Services', NULL, TRUE, CURRENT_TIMESTAMP);
INSERT INTO services (id, name, directorate_id, area, email, active, created_at) VALUES ('trading-standards', 'Trading Standards', 'people', 'Health and Wellbeing: Environmental Services', NULL, TRUE, CURRENT_TIMESTAMP);
INSERT INTO services (id, name, directorate_id, area, email, active, created_at) VALUES ('environmental-health', 'Pollution, Health and Safety, Commercial Noise and Animal Welfare', 'people', 'Health and Wellbeing: Environmental Services', NULL, TRUE, CURRENT_TIMESTAMP);
INSERT INTO services (id, name, directorate_id, area, email, active, created_at) VALUES ('libraries-archives', 'Libraries and Archives', 'people', 'Health and Wellbeing', NULL, TRUE, CURRENT_TIMESTAMP);
INSERT INTO services (id, name, directorate_id, area, email, active, created_at) VALUES ('public-health', 'Public Health', 'people', 'Health and Wellbeing', NULL, TRUE, CURRENT_TIMESTAMP);
INSERT INTO services (id, name, directorate_id, area, email, active, created_at) VALUES ('hr-ict-welfare-reform', 'Human Resources, Organisational Development, ICT and Welfare Reform', 'chief-executives', 'Transformation and Performance', NULL, TRUE, CURRENT_TIMESTAMP);
INSERT INTO services (id, name, directorate_id, area, email, active, created_at) VALUES ('customer-services', 'Customer Services, Registrars and Coroner Services', 'chief-executives', 'Transformation and Performance', NULL, TRUE, CURRENT_TIMESTAMP);
INSERT INTO services (id, name, directorate_id, area, email, active, created_at) VALUES ('revenues-benefits', 'Revenues and Benefits', 'chief-executives', 'Finance and Legal', NULL, TRUE, CURRENT_TIMESTAMP);
INSERT INTO services (id, name, directorate_id, area, email, active, created_at) VALUES ('law-governance', 'Law and Governance', 'chief-executives', 'Finance and Legal', NULL, TRUE, CURRENT_TIMESTAMP);
INSERT INTO services (id, name, directorate_id, area, email, active, created_at) VALUES ('financial-services', 'Financial Services', 'chief-executives', 'Finance and Legal', NULL, TRUE, CURRENT_TIMESTAMP);
INSERT INTO services (id, name, directorate_id, area, email, active, created_at) VALUES ('waste-care', 'Waste Care', 'place', 'Environmental Management', NULL, TRUE, CURRENT_TIMESTAMP);
INSERT INTO services (id, name, directorate_id, area, email, active, created_at) VALUES ('street-care', 'Street Care', 'place', 'Environmental Management', NULL, TRUE, CURRENT_TIMESTAMP);
INSERT INTO services (id, name, directorate_id, area, email, active, created_at) VALUES ('highways', 'Highways', 'place', 'Environmental Management', NULL, TRUE, CURRENT_TIMESTAMP);
INSERT INTO services (id, name, directorate_id, area, email, active, created_at) VALUES ('green-care', 'Green Care', 'place', 'Environmental Management', NULL, TRUE, CURRENT_TIMESTAMP);
INSERT INTO services (id, name, directorate_id, area, email, active, created_at) VALUES ('housing-estates-communities', 'Estates and Communities', 'place', 'Housing', NULL, TRUE, CURRENT_TIMESTAMP);
INSERT INTO services (id, name, directorate_id, area, email, active, created_at) VALUES ('housing-options-support', 'Housing Options and Support', 'place', 'Housing', NULL, TRUE, CURRENT_TIMESTAMP);
INSERT INTO services (id, name, directorate_id, area, email, active, created_at) VALUES ('housing-strategy', 'Housing Strategy', 'place', 'Housing', NULL, TRUE, CURRENT_TIMESTAMP);
INSERT INTO services (id, name, directorate_id, area, email, active, created_at) VALUES ('housing-assets-development', 'Housing Assets and Development', 'place', 'Housing', NULL, TRUE, CURRENT_TIMESTAMP);
INSERT INTO services (id, name, directorate_id, area, email, active, created_at) VALUES ('housing-finance-income', 'Housing Finance and Income', 'place', 'Housing', NULL, TRUE, CURRENT_TIMESTAMP);
INSERT INTO services (id, name, directorate_id, area, email, active, created_at) VALUES ('regeneration', 'Regeneration', 'place', 'Regeneration and Enterprise', NULL, TRUE, CURRENT_TIMESTAMP);
INSERT INTO services (id, name, directorate_id, area, email, active, created_at) VALUES ('visitor-economy-culture', 'Visitor, Economy and Cultural Services', 'place', 'Regeneration and Enterprise', NULL, TRUE, CURRENT_TIMESTAMP);
INSERT INTO services (id, name, directorate_id, area, email, active, created_at) VALUES ('planning-development', 'Planning and Development', 'place', 'Regeneration and Enterprise', NULL, TRUE, CURRENT_TIMESTAMP);
INSERT INTO services (id, name, directorate_id, area, email, active, created_at) VALUES ('sport-leisure', 'Sport and Leisure', 'place', 'Regeneration and Enterprise', NULL, TRUE, CURRENT_TIMESTAMP);
INSERT INTO services (id, name, directorate_id, area, email, active, created_at) VALUES ('corporate-landlord', 'Corporate Landlord Services', 'place', 'Regeneration and Enterprise', NULL, TRUE, CURRENT_TIMESTAMP);
