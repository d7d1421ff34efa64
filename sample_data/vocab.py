"""Word lists the generator draws from.

Kept apart from the generators so that the text a synthetic employee
"typed" reads like a workplace, not like random letters: the portal has to
be judged on data that looks like what it will really show.
"""

FIRST_NAMES = (
    "Ada", "Ahmed", "Aiko", "Alba", "Amara", "Anders", "Anika", "Arjun", "Bea",
    "Bruno", "Carla", "Chen", "Chidi", "Clara", "Dara", "David", "Elif", "Emil",
    "Emma", "Farah", "Felix", "Freya", "Gabriel", "Greta", "Hana", "Hugo", "Ines",
    "Ivan", "Jae", "Jonas", "Julia", "Kai", "Karim", "Kofi", "Lara", "Lea", "Leon",
    "Lina", "Luca", "Maja", "Malik", "Marta", "Mateo", "Mei", "Mila", "Nadia",
    "Nina", "Noah", "Omar", "Oskar", "Paula", "Priya", "Rafael", "Rosa", "Sami",
    "Sara", "Sven", "Tariq", "Tomas", "Vera", "Wei", "Yara", "Yusuf", "Zoe",
)

LAST_NAMES = (
    "Abbasi", "Adeyemi", "Bauer", "Becker", "Berg", "Costa", "Dubois", "Eriksen",
    "Fischer", "Fontaine", "Garcia", "Hansen", "Hoffmann", "Ibrahim", "Jensen",
    "Kaya", "Keller", "Kim", "Kowalski", "Larsen", "Lehmann", "Lopez", "Martin",
    "Meyer", "Moreau", "Müller", "Nakamura", "Nguyen", "Novak", "Okafor", "Olsen",
    "Patel", "Petrov", "Richter", "Rossi", "Santos", "Schmidt", "Schulz", "Silva",
    "Singh", "Sousa", "Suzuki", "Tanaka", "Vogel", "Wagner", "Weber", "Wolf",
    "Yilmaz", "Zhang", "Ziegler",
)

DEPARTMENTS = (
    "Engineering", "Customer Support", "Sales", "Finance", "Operations",
    "Marketing", "Legal", "People & HR",
)

DEPARTMENT_WEIGHTS = (0.30, 0.18, 0.14, 0.08, 0.12, 0.08, 0.04, 0.06)

LOCATIONS = ("Berlin", "Lisbon", "Dublin", "Warsaw", "Amsterdam", "Remote")

REGIONS = ("emea", "amer", "apac", "global")

LEVELS = ("L1", "L2", "L3", "L4", "L5", "L6", "Executive")

LEVEL_WEIGHTS = (0.16, 0.27, 0.27, 0.16, 0.08, 0.05, 0.01)

APPS = (
    "Outlook", "Teams", "Chrome", "VS Code", "Excel", "Word", "Slack", "Jira",
    "Salesforce", "Zendesk", "SAP GUI", "PowerPoint", "Terminal", "Figma",
    "Confluence", "Spotify", "WhatsApp Web", "LinkedIn",
)

WINDOW_TITLES = (
    "Inbox - Outlook", "Quarterly forecast.xlsx", "Pull request #4471", "Standup notes",
    "Ticket #88213 - refund request", "Team offsite planning", "Salary bands 2026.xlsx",
    "Job search - LinkedIn", "Doctor appointment confirmation", "Customer escalation",
    "Incident review", "Roadmap Q3", "1:1 with manager", "Benefits enrolment",
)

KEYS = tuple("etaoinshrdlcumwfgypbvk ") + ("Backspace", "Enter", "Shift", "Tab", "Ctrl+C", "Ctrl+V")

TYPED_SNIPPETS = (
    "can we move the 1:1 to thursday", "pls review before EOD",
    "I am not feeling well today, will log off early", "refund approved for order",
    "my password is in the vault", "let's sync after lunch", "draft reply to the customer",
    "the numbers for Q3 look off", "sorry for the delay", "interview at 3pm, personal",
    "SELECT * FROM orders WHERE", "thanks, talk soon", "need to pick up my kid at 5",
    "fixed the flaky test", "can you cover my shift",
)

URLS = (
    "https://intranet.acme.example/benefits", "https://jira.acme.example/browse/OPS-2231",
    "https://mail.acme.example/inbox", "https://www.linkedin.com/jobs",
    "https://news.example.org/world", "https://docs.acme.example/roadmap",
    "https://health.example.com/appointments", "https://bank.example.com/login",
    "https://stackoverflow.com/questions/tagged/python", "https://wiki.acme.example/oncall",
    "https://shop.example.com/cart", "https://union.example.org/members",
)

PROMPTS = (
    "Summarise this customer complaint in two sentences",
    "Rewrite this email so it sounds less angry",
    "Explain this stack trace",
    "Draft a performance self-review for me",
    "Translate this contract clause to German",
    "What are my rights if my manager asks me to work on sunday",
    "Write a SQL query that finds late shipments",
    "Help me prepare for a difficult conversation with my team lead",
    "Generate test cases for this function",
    "Summarise the meeting transcript",
)

RESPONSES = (
    "Here is a shorter version of your email:", "The error means the file was not found.",
    "Sure, here is a draft:", "In two sentences: the customer was charged twice.",
    "Working time rules depend on your contract; ask your works council.",
    "Here are five test cases:", "The clause translates as follows:",
)

CHAT_LINES = (
    "are you joining the call?", "lunch?", "did you see the new monitoring policy?",
    "I think my screen is being recorded", "can you send me the deck",
    "my kid is sick, working from home today", "the client is furious",
    "who approved this budget", "great job on the release!", "coffee at 3?",
    "honestly thinking about quitting", "meeting moved to 14:00",
)

TRANSCRIPT_LINES = (
    "Let's start with the status update.", "I disagree with that estimate.",
    "Can everyone see my screen?", "We are behind on the migration.",
    "I'll take that action item.", "Sorry, I was on mute.",
    "The customer wants a discount.", "Let's take this offline.",
)

SITES = ("BER-HQ", "LIS-01", "DUB-02", "WAW-01", "AMS-03")

DOORS = ("Main entrance", "Floor 2", "Floor 3", "Server room", "Parking", "Canteen")

DLP_RULES = (
    "Upload to personal cloud", "Mass download", "Customer PII in email",
    "USB mass storage", "Source code to external repo",
)

DEVICES = ("LAPTOP-", "DESKTOP-", "VDI-")

PERFORMANCE_COMMENTS = (
    "Meets expectations", "Strong quarter, exceeded targets", "Needs to improve focus time",
    "Low keyboard activity flagged by analytics", "Excellent customer feedback",
    "Frequently idle according to productivity score",
)

MEETING_TITLES = (
    "Weekly sync", "Sprint review", "Customer call", "1:1", "All hands",
    "Incident retro", "Budget review",
)
