DROP TABLE ticket_comments;
DROP TABLE support_tickets;
DROP TABLE solutions;
