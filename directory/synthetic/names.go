package synthetic

// Word lists for names. Display names carry the object's index, so they are
// unique however few words there are.
var (
	firstNames = []string{
		"James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda",
		"David", "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica",
		"Thomas", "Sarah", "Charles", "Karen", "Aiko", "Priya", "Mateo", "Sofia",
		"Lars", "Ingrid", "Wei", "Fatima", "Yusuf", "Elena", "Tomasz", "Amara",
	}
	lastNames = []string{
		"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
		"Rodriguez", "Martinez", "Wilson", "Anderson", "Taylor", "Moore", "Jackson", "Martin",
		"Lee", "Thompson", "White", "Harris", "Clark", "Lewis", "Walker", "Young",
		"Novak", "Kowalski", "Tanaka", "Okafor", "Schmidt", "Rossi", "Dubois", "Patel",
	}
	sites       = []string{"London", "Paris", "Berlin", "Madrid", "Chicago", "Toronto", "Singapore", "Sydney"}
	departments = []string{"Finance", "Sales", "Engineering", "Operations", "Marketing", "Legal", "HR", "IT", "Support", "Research"}
	topics      = []string{"Team", "Project", "Announcements", "Leads", "Committee", "Partners", "Alerts", "Review", "Notifications", "Working Group"}
	// listLocals are local parts of external addresses that are lists.
	listLocals = []string{"all-staff", "members-l", "announce", "team", "dl-partners", "list", "everyone"}
)
