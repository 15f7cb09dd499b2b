package build

// Name lists for generated people. They hold no word that looks like a
// mailing list ("all", "team", "staff", ...) and no one-letter name, because
// external-member-is-list matches those in addresses and the demo wants it to
// fire only where a scenario means it to. 64 x 50 names give 3,200 distinct
// people, enough for the staff and every partner contact.
var firstNames = []string{
	"James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda",
	"David", "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica",
	"Thomas", "Sarah", "Charles", "Karen", "Christopher", "Lisa", "Daniel", "Nancy",
	"Matthew", "Betty", "Anthony", "Margaret", "Mark", "Sandra", "Donald", "Ashley",
	"Steven", "Kimberly", "Paul", "Emily", "Andrew", "Donna", "Joshua", "Michelle",
	"Kenneth", "Carol", "Kevin", "Amanda", "Brian", "Melissa", "George", "Deborah",
	"Aiko", "Priya", "Mateo", "Sofia", "Lars", "Ingrid", "Oluwaseun", "Wei",
	"Fatima", "Yusuf", "Elena", "Tomasz", "Amara", "Hiroshi", "Nadia", "Rafael",
}

var lastNames = []string{
	"Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
	"Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas",
	"Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White",
	"Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young",
	"Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores",
	"Novak", "Kowalski", "Tanaka", "Okafor", "Schmidt", "Rossi", "Dubois", "Lindqvist",
	"Patel", "Kim",
}
