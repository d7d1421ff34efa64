-- Whom did I message most? (colleagues appear as pseudonyms)
SELECT recipient, count(*) AS messages
FROM (SELECT unnest(recipients) AS recipient FROM collab.chat_messages)
GROUP BY recipient
ORDER BY messages DESC
LIMIT 10
