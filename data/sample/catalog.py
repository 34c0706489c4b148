"""Word banks for the sample generator: cities, employers, job families and the automation leads.

Kept apart from generate.py so the rules (formats, reposts, junk, the manifest) read on one screen.
Everything here is invented; company names are fictional.
"""

from __future__ import annotations

# (craigslist subdomain, area path, city label, neighbourhoods)
CITIES: list[tuple[str, str, str, list[str]]] = [
    (
        "sfbay",
        "sfc",
        "San Francisco, CA",
        ["SOMA", "Mission District", "Oakland", "San Jose", "Fremont"],
    ),
    ("seattle", "see", "Seattle, WA", ["Capitol Hill", "Ballard", "Bellevue", "Tacoma", "Kent"]),
    ("portland", "mlt", "Portland, OR", ["Pearl District", "Beaverton", "Gresham", "Hillsboro"]),
    ("denver", "den", "Denver, CO", ["LoDo", "Aurora", "Lakewood", "Englewood", "Boulder"]),
    ("losangeles", "lac", "Los Angeles, CA", ["Burbank", "Long Beach", "Pasadena", "Torrance"]),
    ("newyork", "mnh", "New York, NY", ["Midtown", "Brooklyn", "Queens", "Jersey City"]),
    ("chicago", "chc", "Chicago, IL", ["West Loop", "Evanston", "Naperville", "Cicero"]),
    ("boston", "gbs", "Boston, MA", ["Back Bay", "Cambridge", "Somerville", "Quincy"]),
    ("atlanta", "atl", "Atlanta, GA", ["Midtown", "Marietta", "Decatur", "Alpharetta"]),
    ("austin", "aus", "Austin, TX", ["East Austin", "Round Rock", "Cedar Park", "Pflugerville"]),
]
WEST = ["sfbay", "seattle", "portland", "denver", "losangeles"]
EAST = ["newyork", "chicago", "boston", "atlanta", "austin"]

# The manual, repetitive work an automation agency could take over, by kind:
# (what they do by hand, the systems involved, how much of it there is)
LEAD_TASKS: dict[str, tuple[str, str, str]] = {
    "orders": (
        "Every morning we export the orders from our website and re-type them by hand into "
        "QuickBooks, line by line, then copy the totals into a Google Sheet for the owner.",
        "QuickBooks, Google Sheets, Shopify",
        "about 200 orders a day",
    ),
    "invoices": (
        "Vendors email us PDF invoices. You will key each one into QuickBooks Desktop, match it to "
        "the purchase order in our Excel tracker and file the PDF.",
        "QuickBooks Desktop, Excel, Outlook",
        "roughly 40-60 invoices a day",
    ),
    "crm": (
        "After every trade show and every week of calls we have stacks of contacts in spreadsheets "
        "that need to be copied into HubSpot, de-duplicated and tagged by hand.",
        "HubSpot, Excel",
        "a backlog of about 3,000 contacts",
    ),
    "reports": (
        "Each Friday someone pulls numbers from three systems, pastes them into an Excel workbook "
        "and builds the weekly sales report by hand. It takes most of the day. That person is you.",
        "Excel, Salesforce, our POS",
        "one big report a week plus daily numbers",
    ),
    "purchase_orders": (
        "Customers fax and email purchase orders. You will re-enter each order into our ERP and "
        "then again into the shipping system, and update the customer's tracking sheet.",
        "Fishbowl, ShipStation, Excel",
        "300+ line items a week",
    ),
    "work_orders": (
        "Our technicians fill in paper work orders. You will type them into ServiceTitan at the end "
        "of the day, then copy the job totals into QuickBooks for invoicing.",
        "ServiceTitan, QuickBooks Online",
        "between 80 and 120 work orders a week",
    ),
    "intake": (
        "Patient intake forms arrive as scanned PDFs. You will copy the insurance details into our "
        "practice management system and update the eligibility spreadsheet by hand.",
        "our practice management system, Excel, fax",
        "60-90 patients a day",
    ),
    "rent": (
        "Rent payments come in from four portals. Every day you copy each payment into our "
        "accounting software and reconcile it against the tenant ledger in Excel.",
        "AppFolio, Excel, QuickBooks",
        "every day, all month long",
    ),
    "catalog": (
        "We copy product data (prices, stock counts, descriptions) from our suppliers' price lists "
        "into our online store by hand, one SKU at a time.",
        "Shopify, Excel, supplier CSVs",
        "about 2,000 SKUs change each month",
    ),
    "leads": (
        "Copy-paste between systems: leads come in through our web form, get copied into a "
        "spreadsheet, then into the CRM, then into Mailchimp. We need help keeping up.",
        "Google Sheets, Zoho CRM, Mailchimp",
        "50+ new leads a day",
    ),
}
# Small businesses that do by hand what software could do: (name, what they are, their chores).
LEAD_BUSINESSES: list[tuple[str, str, list[str]]] = [
    ("Rivera Family Plumbing", "plumbing contractor", ["work_orders", "invoices"]),
    ("Bayview Dental Group", "dental practice with three offices", ["intake", "reports"]),
    ("Lone Star Auto Parts", "auto parts distributor", ["purchase_orders", "catalog"]),
    ("Golden Crust Bakery", "wholesale bakery", ["orders", "invoices"]),
    ("Summit Property Management", "property management company (420 units)", ["rent", "reports"]),
    ("Cascade Pet Supply", "online pet supply store", ["orders", "catalog"]),
    ("Northside Physical Therapy", "physical therapy clinic", ["intake"]),
    ("Harbor Freight Brokers LLC", "freight brokerage", ["purchase_orders", "crm"]),
    ("Pinecrest Landscaping", "landscaping company", ["work_orders", "leads"]),
    ("Midtown Print & Sign", "print and sign shop", ["orders", "leads"]),
    ("Keystone Insurance Agency", "independent insurance agency", ["crm", "leads"]),
    ("Blue Ridge Coffee Roasters", "coffee roaster selling to cafes", ["orders", "reports"]),
    ("Evergreen Home Health", "home health agency", ["intake", "invoices"]),
    ("Metro Electrical Supply", "electrical supply house", ["purchase_orders", "catalog"]),
    ("Sunset Realty Partners", "real estate brokerage", ["crm", "leads"]),
    ("Tri-County HVAC", "HVAC service company", ["work_orders", "invoices"]),
    ("Lakeside Veterinary Clinic", "veterinary clinic", ["intake", "reports"]),
    ("Urban Threads Boutique", "clothing boutique with an online shop", ["orders", "catalog"]),
    ("Precision Machine Works", "machine shop", ["purchase_orders", "invoices"]),
    ("Oak & Iron Furniture", "custom furniture maker", ["orders", "reports"]),
    ("Prairie Wine Distributors", "wine and spirits distributor", ["purchase_orders", "reports"]),
    ("Redwood Accounting Services", "small bookkeeping firm", ["invoices", "reports"]),
]
LEAD_TITLES = [
    "Data Entry Clerk",
    "Order Entry Assistant",
    "Part-Time Bookkeeper / Data Entry",
    "Office Assistant - Invoice Processing",
    "CRM Data Coordinator",
    "Administrative Assistant (Excel / QuickBooks)",
    "Back Office Assistant",
    "Accounts Payable Clerk",
    "Billing Specialist",
    "Inventory Data Clerk",
    "Operations Assistant - Reports",
    "Customer Order Processor",
]
LEAD_URGENCY = [
    "We need someone ASAP - we are three weeks behind and it is costing us customers.",
    "URGENT: our office manager left and orders are piling up. Start immediately.",
    "Start date: as soon as possible.",
    "Looking to fill this in the next two weeks.",
    "No rush, we want the right person. Flexible start date.",
    "Seasonal rush starts next month, so we would like someone trained before then.",
]
LEAD_REQUIREMENTS = [
    "Fast, accurate typing (45+ wpm)",
    "Comfortable with Excel (VLOOKUP is a plus)",
    "Attention to detail - mistakes here mean wrong shipments",
    "Experience with QuickBooks preferred",
    "Reliable, able to work independently",
    "Able to sit for long periods doing repetitive work",
    "Some bookkeeping experience helpful but we will train",
]
LEAD_COMPENSATION = [
    "$18-22/hr",
    "$19 - $23 per hour",
    "$20/hr",
    "$17.50/hour",
    "$40,000 - $46,000 a year",
    "DOE",
    "$22-$25/hr depending on experience",
    "Pay: $21.50/hr",
]

# Everything else: one entry a job family, with its craigslist section, titles, employers, pay
# strings, an intro line and bullet banks.
OTHER_FAMILIES: list[dict[str, list[str] | str]] = [
    {
        "family": "software",
        "category": "sof",  # the craigslist section
        "titles": [
            "Senior Software Engineer, Distributed Systems",
            "Staff Software Engineer - Payments Platform",
            "Senior Backend Engineer (Go)",
            "Staff Machine Learning Engineer",
            "Senior Data Engineer - Streaming",
            "Principal Engineer, Developer Productivity",
            "Senior iOS Engineer",
            "Site Reliability Engineer III",
        ],
        "employers": [
            "Northwind Cloud",
            "Contoso Systems",
            "Globex Analytics",
            "Hooli",
            "Initech Labs",
            "Vandelay Data",
            "Stark Payments",
        ],
        "compensation": [
            "$185,000 - $245,000 a year + equity",
            "$210k-$290k base + RSUs",
            "competitive",
            "$170,000 - $215,000",
            "Base salary range: $198,000-$264,000",
        ],
        "intro": "{company} is hiring a {title} to work on systems that serve millions of users.",
        "duties": [
            "Design, build and operate large-scale distributed services",
            "Lead technical design reviews and mentor other engineers",
            "Own reliability: on-call rotation, incident reviews, SLOs",
            "Partner with product and data science on the roadmap",
            "Automate build, test and deployment pipelines",
            "Improve observability across hundreds of microservices",
        ],
        "requirements": [
            "8+ years of professional software development",
            "Deep experience with Go, Java, Rust or C++",
            "Experience with Kubernetes and a major cloud provider",
            "BS/MS in Computer Science or equivalent experience",
            "Track record of leading cross-team projects",
        ],
    },
    {
        "family": "nursing",
        "category": "hea",  # the craigslist section
        "titles": [
            "Registered Nurse - Med/Surg (Nights)",
            "ICU Registered Nurse",
            "RN Case Manager",
            "Licensed Practical Nurse (LPN)",
            "Certified Nursing Assistant (CNA)",
            "Travel RN - Emergency Department",
        ],
        "employers": [
            "St. Brigid Medical Center",
            "Mercy Valley Hospital",
            "Lakeshore Health System",
            "Pioneer Skilled Nursing",
            "Cedar Grove Rehabilitation",
        ],
        "compensation": [
            "$48-$62/hr + shift differential",
            "$2,400/week (13-week contract)",
            "$24-28/hr",
            "$85,000 - $112,000 a year",
            "competitive + sign-on bonus",
        ],
        "intro": "{company} is looking for a compassionate {title} to join our patient care team.",
        "duties": [
            "Provide direct patient care following the plan of care",
            "Administer medications and document in the EHR",
            "Collaborate with physicians, therapists and families",
            "Monitor patients and respond to changes in condition",
            "Educate patients and families at discharge",
        ],
        "requirements": [
            "Current state license (RN/LPN) or CNA certification",
            "BLS required, ACLS preferred",
            "1+ year acute care experience",
            "Able to work 12-hour shifts including weekends",
        ],
    },
    {
        "family": "driving",
        "category": "trp",  # the craigslist section
        "titles": [
            "CDL-A Truck Driver - Regional",
            "Delivery Driver (Non-CDL)",
            "Box Truck Driver",
            "Route Sales Driver",
            "School Bus Driver",
            "Courier - Own Vehicle",
        ],
        "employers": [
            "Red Rock Logistics",
            "QuickShip Couriers",
            "Metro Beverage Co.",
            "Interstate Freight Lines",
            "City Unified School District",
        ],
        "compensation": [
            "$0.62-$0.70 per mile",
            "$22/hr + overtime",
            "$1,500 - $1,800 weekly",
            "$24.50 per hour",
            "$65,000 - $80,000 a year",
        ],
        "intro": "{company} needs a safe, dependable {title}. Home most nights.",
        "duties": [
            "Deliver freight and packages on an assigned route",
            "Complete pre-trip and post-trip inspections",
            "Load and unload, up to 50 lbs",
            "Provide friendly service to customers",
        ],
        "requirements": [
            "Valid driver's license and clean MVR",
            "CDL-A with 1 year experience (for CDL roles)",
            "Able to pass DOT physical and drug screen",
            "21 years or older",
        ],
    },
    {
        "family": "food",
        "category": "fbh",  # the craigslist section
        "titles": [
            "Line Cook",
            "Prep Cook - Mornings",
            "Sous Chef",
            "Barista",
            "Dishwasher",
            "Server - Full Service Restaurant",
            "Kitchen Manager",
        ],
        "employers": [
            "The Copper Pot",
            "Luna Taqueria",
            "Basil & Brine",
            "Daily Grind Cafe",
            "Smokehouse 88",
            "Nonna's Trattoria",
        ],
        "compensation": [
            "$18-21/hr + tips",
            "$17/hr",
            "$55,000 - $62,000 a year",
            "$16.50/hr plus tips (avg $25/hr total)",
            "DOE",
        ],
        "intro": "{company} is a busy neighborhood spot hiring a {title}. Come cook with us!",
        "duties": [
            "Prep and execute menu items to spec",
            "Keep the station clean and organized",
            "Work the line on busy weekend services",
            "Follow food safety and sanitation standards",
        ],
        "requirements": [
            "Food handler card",
            "Previous kitchen or cafe experience preferred",
            "Able to stand for long shifts and lift 40 lbs",
            "Weekend availability",
        ],
    },
    {
        "family": "retail",
        "category": "ret",  # the craigslist section
        "titles": [
            "Retail Sales Associate",
            "Assistant Store Manager",
            "Cashier - Part Time",
            "Visual Merchandiser",
            "Stock Associate (Overnight)",
        ],
        "employers": [
            "Brightline Outfitters",
            "HomeGoods Depot",
            "Corner Market Grocery",
            "Peak Sporting Goods",
            "Willow Books",
        ],
        "compensation": ["$16-$18/hr", "$17.25/hr", "$48,000 - $55,000 a year", "competitive"],
        "intro": "{company} is hiring a friendly {title} for our {neighborhood} store.",
        "duties": [
            "Greet and help customers on the sales floor",
            "Run the register and process returns",
            "Restock shelves and keep displays tidy",
            "Help with inventory counts",
        ],
        "requirements": [
            "Great people skills",
            "Flexible schedule including holidays",
            "Retail experience a plus",
        ],
    },
    {
        "family": "warehouse",
        "category": "lab",  # the craigslist section
        "titles": [
            "Warehouse Associate",
            "Forklift Operator",
            "Picker / Packer - 2nd Shift",
            "Shipping & Receiving Clerk",
            "Material Handler",
        ],
        "employers": [
            "Apex Fulfillment",
            "Gateway Distribution Center",
            "Ironclad Supply",
            "Northstar Logistics Park",
        ],
        "compensation": ["$19-$21/hr", "$20.75/hr + $1 night differential", "$18/hour", "DOE"],
        "intro": "{company} is growing and hiring a {title} at our {neighborhood} facility.",
        "duties": [
            "Pick, pack and ship customer orders with an RF scanner",
            "Operate forklift and pallet jack safely",
            "Receive inbound trucks and put away stock",
            "Keep work areas clean and safe",
        ],
        "requirements": [
            "Able to lift 50 lbs repeatedly",
            "Forklift certification (for operator roles)",
            "Steel-toe boots required",
        ],
    },
    {
        "family": "education",
        "category": "edu",  # the craigslist section
        "titles": [
            "Elementary School Teacher (3rd Grade)",
            "High School Math Teacher",
            "Preschool Teacher",
            "Special Education Paraprofessional",
            "After-School Program Leader",
        ],
        "employers": [
            "Riverside Charter School",
            "Little Acorns Preschool",
            "Westbrook Academy",
            "Hillcrest Unified",
        ],
        "compensation": [
            "$52,000 - $71,000 a year",
            "$21-$24/hr",
            "per district salary schedule",
            "$19/hr",
        ],
        "intro": "{company} is seeking a dedicated {title} for the spring semester.",
        "duties": [
            "Plan and deliver engaging lessons",
            "Assess student progress and communicate with families",
            "Support a positive, inclusive classroom culture",
            "Collaborate with grade-level team",
        ],
        "requirements": [
            "Teaching credential (for teacher roles)",
            "Experience working with children",
            "Background check and TB test",
        ],
    },
    {
        "family": "trades",
        "category": "skd",  # the craigslist section
        "titles": [
            "Journeyman Electrician",
            "HVAC Service Technician",
            "Apprentice Plumber",
            "Maintenance Technician",
            "Carpenter - Finish Work",
            "Auto Mechanic",
        ],
        "employers": [
            "Bright Spark Electric",
            "Coastal Comfort Heating & Air",
            "Solid Ground Builders",
            "Precision Auto Care",
            "Harborview Apartments",
        ],
        "compensation": ["$32-$45/hr", "$28/hr + van + tools", "$60,000 - $85,000 a year", "DOE"],
        "intro": "{company} has steady work and is hiring a {title}.",
        "duties": [
            "Install, service and repair systems at customer sites",
            "Diagnose problems and explain options to customers",
            "Keep your truck stocked and your paperwork current",
            "Follow code and safety requirements",
        ],
        "requirements": [
            "State license or apprenticeship in progress",
            "Own hand tools",
            "Valid driver's license",
        ],
    },
    {
        "family": "office",
        "category": "ofc",  # the craigslist section
        "titles": [
            "Receptionist",
            "Executive Assistant to the CEO",
            "Senior Accountant",
            "Marketing Manager",
            "HR Generalist",
            "Paralegal",
        ],
        "employers": [
            "Whitfield & Moore LLP",
            "Crescent Capital Partners",
            "Brightpath Marketing",
            "Sterling Medical Billing",
            "Aurora Biotech",
        ],
        "compensation": [
            "$20-$24/hr",
            "$85,000 - $100,000 a year",
            "$95k-$115k DOE",
            "$62,000 - $70,000",
            "competitive",
        ],
        "intro": "{company} is adding a {title} to our {neighborhood} office.",
        "duties": [
            "Greet visitors and manage the front desk",
            "Coordinate calendars, travel and meetings",
            "Prepare month-end close and financial statements",
            "Plan and run marketing campaigns",
            "Support recruiting, onboarding and benefits",
        ],
        "requirements": [
            "2+ years in a similar role",
            "Strong written and verbal communication",
            "Proficient with Microsoft 365",
            "CPA (for accounting roles)",
        ],
    },
    {
        "family": "care",
        "category": "hea",  # the craigslist section
        "titles": [
            "Caregiver / Home Health Aide",
            "Dental Hygienist",
            "Medical Assistant",
            "Pharmacy Technician",
            "Veterinary Technician",
        ],
        "employers": [
            "Comfort Keepers of the Valley",
            "Smile Studio Dental",
            "Family First Clinic",
            "Greenleaf Pharmacy",
            "Paws & Claws Animal Hospital",
        ],
        "compensation": ["$19-$23/hr", "$55-$65/hr", "$21/hr", "$24 - $28 per hour", "DOE"],
        "intro": "{company} is hiring a caring {title} to join our team.",
        "duties": [
            "Provide hands-on care with kindness and patience",
            "Prepare rooms, equipment and supplies",
            "Record vitals and notes accurately",
            "Work with a friendly, supportive team",
        ],
        "requirements": [
            "Relevant certification or license",
            "CPR certification",
            "Reliable transportation",
        ],
    },
]

BENEFITS = [
    "Medical, dental and vision insurance",
    "401(k) with company match",
    "Paid time off and paid holidays",
    "Employee discount",
    "Free parking",
    "Tuition reimbursement",
    "Flexible schedule",
]
APPLY_LINES = [
    "Reply to this ad with your resume.",
    "Please email your resume and a short note about yourself.",
    "Apply in person Monday-Friday 9am-4pm.",
    "Call or text us to set up an interview.",
    "Apply on our website; we review applications daily.",
]
EEO = (
    "We are an equal opportunity employer. All qualified applicants will receive consideration for "
    "employment without regard to race, color, religion, sex, sexual orientation, gender identity, "
    "national origin, disability or veteran status. Reasonable accommodations are available to "
    "applicants with disabilities throughout the hiring process. "
)
