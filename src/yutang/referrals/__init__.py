"""Referral campaigns (任务宝): share kits, invitations, anti-fraud, staged rewards, figures."""
