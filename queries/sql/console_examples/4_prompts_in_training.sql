-- Which of my AI prompts ended up in a training dataset?
SELECT payload ->> '$.prompt' AS prompt, count(*) AS copies
FROM ml_training.assistant_finetune
GROUP BY prompt
ORDER BY copies DESC
