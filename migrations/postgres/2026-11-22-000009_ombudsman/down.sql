DROP TABLE ombudsman_referrals;
