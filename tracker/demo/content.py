"""The demo data's French text, all invented: people's names and roles, comments and return
reasons, the roadmap's pillars and initiatives, session places, chairs, themes, actions,
blockers and statuses, and the decade scale's extra KPIs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from tracker.core.models import (
    ActionStatus,
    DueKind,
)
from tracker.demo.base import ALL

# --- people (all invented) ---------------------------------------------------------------------

FIRST_NAMES = (
    ("Aïcha", "f"), ("Koffi", "m"), ("Romaric", "m"), ("Estelle", "f"), ("Gildas", "m"),
    ("Nadège", "f"), ("Sandrine", "f"), ("Rodrigue", "m"), ("Chimène", "f"), ("Bertin", "m"),
    ("Fulbert", "m"), ("Prudence", "f"), ("Edwige", "f"), ("Ulrich", "m"), ("Carine", "f"),
    ("Florent", "m"), ("Gisèle", "f"), ("Hugues", "m"), ("Inès", "f"), ("Jocelyn", "m"),
    ("Laetitia", "f"), ("Modeste", "m"), ("Nafissatou", "f"), ("Pacôme", "m"),
    ("Rachidatou", "f"), ("Serge", "m"), ("Tatiana", "f"), ("Victorin", "m"), ("Yasmine", "f"),
    ("Wilfried", "m"), ("Afiavi", "f"), ("Mawuli", "m"), ("Sènami", "f"), ("Sètondji", "m"),
    ("Bignon", "f"), ("Codjo", "m"), ("Fifamè", "f"), ("Euloge", "m"), ("Clarisse", "f"),
    ("Parfait", "m"), ("Reine", "f"), ("Crépin", "m"), ("Flora", "f"), ("Dieudonné", "m"),
)
LAST_NAMES = (
    "DOSSOU", "AGBANGLA", "HOUNKPÈ", "ADJOVI", "KPOSSOU", "GBAGUIDI", "AHOUANSOU", "HOUNSOU",
    "DEGBEY", "TOSSOU", "AKPLOGAN", "SOSSA", "AGOSSOU", "KPADONOU", "ASSOGBA", "FANOU",
    "GANDONOU", "HOUESSOU", "KOUTON", "LOKO", "MÈDÉHOU", "SAGBO", "TCHIBOZO", "VIGAN", "ZANNOU",
    "AGBODJAN", "DJOSSOU", "AKAKPO", "ALOMÈ", "BOCOVO", "DANSOU", "EDAH", "HOUÉNOU",
    "OGOUBIYI", "SINZOGAN", "TOKPANOU", "YÉHOUÉNOU", "ZOSSOU", "AVOCÈ", "GOUDJO",
)
DELEGATE_ROLES = ("RSSI", "Chef du service informatique", "Chargé d'études à la DSI",
                   "Chef service études et développement")


@dataclass(frozen=True)
class Person:
    name: str
    role: str


# --- results and submissions --------------------------------------------------------------------

RESULT_COMMENTS = (
    "Valeur provisoire, à confirmer au prochain trimestre.",
    "Hausse liée à la campagne de sensibilisation du trimestre.",
    "Baisse due à la maintenance du centre de données.",
    "Donnée issue du rapport d'activité trimestriel de la DSI.",
    "Périmètre élargi aux directions départementales.",
)
RETURN_REASONS = (
    "dénominateur manquant pour un indicateur de ratio",
    "taux d'exécution budgétaire incohérent avec la dotation",
    "nombre d'e-services en baisse sans explication",
    "pièce justificative manquante",
)


# --- roadmap -------------------------------------------------------------------------------------

PILLARS = (
    ("Accélération des e-services", "Accelerating e-services"),
    ("Formation des ressources humaines de l'administration",
     "Training public administration staff"),
    ("Implication du secteur privé", "Involving the private sector"),
    ("Pérennisation de l'innovation", "Sustaining innovation"),
)


@dataclass(frozen=True)
class InitiativeTemplate:
    pillar: int
    title: str
    owner: str
    partners: tuple[str, ...]
    kpis: tuple[str, ...]
    always: bool = False


INITIATIVES = (
    InitiativeTemplate(1, "Raccordement des régies financières au bus X-Road", "MEF", ("ASIN",),
                        ("XRD_SVC_PUB", "XRD_REQ"), always=True),
    InitiativeTemplate(1, "Dossier patient informatisé dans les hôpitaux de zone", "MS",
                        ("ASIN", "SBIN"), ("ESV_PUB", "ESV_DEMAT"), always=True),
    InitiativeTemplate(1, "Mise en ligne des e-services prioritaires sur service-public.bj",
                        "ASIN", ("MND", "MTFP"), ("ESV_PUB", "ESV_NEW", "ESV_PORTAIL")),
    InitiativeTemplate(1, "Paiement en ligne généralisé des frais administratifs", "MEF",
                        ("ASIN", "ARCEP"), ("ESV_PAYNUM", "ESV_RECET")),
    InitiativeTemplate(1, "Signature électronique des actes administratifs", "ASIN",
                        ("MJL", "MEF"), ("PKI_CERT", "PKI_DOCS")),
    InitiativeTemplate(1, "Intégration du NPI dans les systèmes sectoriels", "ANIP",
                        ("MISP", "MS"), ("NPI_INTEG",)),
    InitiativeTemplate(1, "Dématérialisation des procédures de la fonction publique", "MTFP",
                        ("ASIN",), ("ESV_DEMAT", "ESV_SLA")),
    InitiativeTemplate(2, "Formation des agents de santé aux outils numériques", "MS", ("ASIN",),
                        ("FRM_AGENTS",), always=True),
    InitiativeTemplate(2, "Formation des agents aux outils collaboratifs et aux e-services",
                        "MTFP", ("ASIN", "MND"), ("FRM_AGENTS",)),
    InitiativeTemplate(2, "Certification des personnels des DSI (sécurité, cloud, "
                        "interopérabilité)", "ASIN", ("SBIN",), ("FRM_DSI",)),
    InitiativeTemplate(2, "Sensibilisation des agents à la cybersécurité", "BJCSIRT",
                        ("ASIN",), ("SEC_SENSIB",)),
    InitiativeTemplate(2, "Académie numérique des finances publiques", "MEF", ("MTFP",),
                        ("FRM_AGENTS", "FRM_DSI")),
    InitiativeTemplate(3, "Mobilisation des prestataires locaux pour les e-services", "ASIN",
                        ("MIC", "MPMEPE"), ("PRV_PART",)),
    InitiativeTemplate(3, "Partenariat avec les opérateurs de paiement mobile", "MEF",
                        ("ARCEP", "ASIN"), ("ESV_PAYNUM",), always=True),
    InitiativeTemplate(3, "Stages en entreprise pour les agents des DSI", "MPMEPE", ("MTFP",),
                        ("FRM_DSI",)),
    InitiativeTemplate(3, "Ouverture des données publiques aux jeunes entreprises", "ASIN",
                        ("APDP", "MND"), ("OPD_JEUX",)),
    InitiativeTemplate(3, "Maintenance des équipements informatiques de santé par des PME "
                        "locales", "MS", ("MIC",), ("PRV_PART",)),
    InitiativeTemplate(4, "Hébergement des applications critiques au centre de données "
                        "national", "SBIN", ("MS", "MEF"), ("CLD_HEB", "OPS_DISPO"), always=True),
    InitiativeTemplate(4, "Passage en production de la PKI nationale", "ASIN", ("MEF", "MJL"),
                        ("PKI_CERT",)),
    InitiativeTemplate(4, "Secrétariat permanent de la conférence des DSI", "ASIN", ("MND",),
                        ("CDSI_RECO", "CDSI_PRES")),
    InitiativeTemplate(4, "Conformité de toutes les DSI à la PSSIE", "BJCSIRT", ("ASIN",),
                        ("SEC_PSSIE", "SEC_MFA", "SEC_RSSI")),
    InitiativeTemplate(4, "Schéma directeur des SI du secteur de la santé", "MS",
                        ("ASIN", "MEF"), ("PRJ_AVANC",)),
    InitiativeTemplate(4, "Plan de continuité des systèmes financiers de l'État", "MEF",
                        ("SBIN",), ("OPS_DISPO", "OPS_BACKUP")),
)
PHASES = ("Cadrage et désignation de l'équipe projet", "Validation du cahier des charges",
           "Recrutement du prestataire", "Déploiement pilote", "Formation des utilisateurs",
           "Généralisation", "Bilan et transfert en exploitation")
FALLBACK_OWNERS = ("ASIN", "MND", "SBIN", "PR")


# --- conferences ---------------------------------------------------------------------------------

PLACES = ("Cotonou, salle de conférence de l'ASIN", "Cotonou, Sèmè City",
           "Cotonou, Palais des congrès", "Cotonou, siège de SBIN",
           "Cotonou, salle de conférence du ministère du Numérique et de la Digitalisation")
CHAIRS = ("Directeur général de l'ASIN", "Directrice générale adjointe de l'ASIN",
           "Secrétaire général du ministère du Numérique et de la Digitalisation")
FEMININE_CHAIRS = ("Directrice générale adjointe de l'ASIN",)
RAPPORTEUR = "Chef du secrétariat technique de la CDSI"
THEMES = (
    ("Interopérabilité : le bus X-Road au service des e-services", ("xroad", "e-services")),
    ("PKI et signature électronique : du bac à sable à la production", ("pki", "esign")),
    ("Hébergement souverain au centre de données national avec SBIN", ("hosting", "security")),
    ("Accélérer les e-services sur service-public.bj", ("e-services", "xroad")),
    ("Cybersécurité : conformité à la PSSIE et gestion des incidents", ("security", "training")),
    ("Former les agents de l'administration au numérique", ("training", "e-services")),
    ("Gouvernance des SI : budgets, commissions ministérielles et suivi des recommandations",
     ("governance", "training")),
)
# The two sessions the sample PVs describe (tests/fixtures/samples): same date, place and theme.
SAMPLE_SESSIONS = {
    (2025, 2): (date(2025, 6, 24), "Cotonou, salle de conférence de l'ASIN",
                "Interopérabilité et signature électronique : passer à l'échelle",
                ("xroad", "esign")),
    (2025, 3): (date(2025, 9, 25), "Cotonou, Sèmè City",
                "Hébergement souverain et continuité de service", ("hosting", "security")),
}
AGENDA_TOPICS: dict[str, tuple[str, ...]] = {
    "xroad": ("Bus d'interopérabilité X-Road : état des raccordements",
              "Publication de nouveaux services sur la plateforme d'interopérabilité"),
    "pki": ("Bac à sable PKI : bilan des tests",
            "Politique de certification de l'infrastructure à clés publiques"),
    "esign": ("Plateforme de signature en ligne : déploiement dans les ministères",
              "Dématérialisation des parapheurs et signature électronique"),
    "hosting": ("Hébergement des applications au centre de données national (SBIN)",
                "Plan de migration vers le cloud gouvernemental"),
    "e-services": ("Mise en ligne de nouveaux e-services sur service-public.bj",
                   "Paiement en ligne et par mobile money des e-services"),
    "security": ("Conformité à la PSSIE et désignation des RSSI",
                 "Retour d'expérience sur les incidents de sécurité (bjCSIRT)"),
    "training": ("Plan de formation des agents au numérique",
                 "Certification des personnels des DSI"),
    "governance": ("Exécution des budgets SI", "Tenue des commissions ministérielles des SI"),
}
DECISIONS: dict[str, str] = {
    "xroad": "Chaque ministère publie au moins deux services sur le bus X-Road avant la fin du "
             "trimestre.",
    "pki": "Chaque ministère désigne un point focal PKI avant la prochaine session.",
    "esign": "La signature électronique devient la règle pour les courriers internes à compter "
             "du prochain trimestre.",
    "hosting": "Toute nouvelle application est hébergée par défaut au centre de données "
               "national.",
    "e-services": "Les nouveaux e-services sont publiés sur service-public.bj avec paiement en "
                  "ligne.",
    "security": "Chaque structure transmet son autoévaluation PSSIE à l'ASIN avant la prochaine "
                "session.",
    "training": "Le plan de formation commun est validé ; l'ASIN en assure la coordination.",
    "governance": "Les résultats trimestriels sont transmis dans la fenêtre de saisie ; les "
                  "retards sont signalés en séance.",
}
# (text, owner: a code or ALL, due kind)
RECOMMENDATIONS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "xroad": (("Publier au moins deux services par trimestre sur le bus X-Road", ALL,
               DueKind.recurring),),
    "pki": (("Finaliser la politique de certification de la PKI", "ASIN", DueKind.date),),
    "esign": (("Généraliser la signature électronique des actes administratifs", "ASIN",
               DueKind.date),),
    "hosting": (("Migrer les applications critiques vers le centre de données national", ALL,
                 DueKind.date),
                ("Publier le catalogue des offres d'hébergement", "SBIN", DueKind.date)),
    "e-services": (("Activer le paiement en ligne sur tous les e-services payants", "MEF",
                    DueKind.date),),
    "security": (("Désigner un RSSI dans chaque structure", ALL, DueKind.next_session),),
    "training": (("Inscrire la formation au numérique dans les plans de formation des "
                  "ministères", "MTFP", DueKind.date),),
    "governance": (("Instituer un secrétariat permanent de la conférence", "ASIN",
                    DueKind.date),
                   ("Tenir au moins deux sessions par an de la commission ministérielle des SI",
                    ALL, DueKind.recurring)),
}
# The KPIs each recommendation is meant to move (the secretariat's links).
RECOMMENDATION_KPIS: dict[str, tuple[str, ...]] = {
    "Publier au moins deux services par trimestre sur le bus X-Road": ("XRD_SVC_PUB",),
    "Finaliser la politique de certification de la PKI": ("PKI_CERT",),
    "Généraliser la signature électronique des actes administratifs": ("PKI_DOCS",),
    "Migrer les applications critiques vers le centre de données national": ("CLD_HEB",),
    "Publier le catalogue des offres d'hébergement": ("CLD_HEB",),
    "Activer le paiement en ligne sur tous les e-services payants": ("ESV_PAYNUM",),
    "Désigner un RSSI dans chaque structure": ("SEC_RSSI",),
    "Inscrire la formation au numérique dans les plans de formation des ministères":
        ("FRM_AGENTS",),
    "Tenir au moins deux sessions par an de la commission ministérielle des SI":
        ("GOV_CMSIC",),
}
# (title, topic, preferred owner or "" for any)
STANDING_ACTIONS = (
    "Publier deux nouveaux services sur la plateforme d'interopérabilité",
    "Transmettre les résultats trimestriels des indicateurs dans les délais",
    "Tenir la session ordinaire de la commission ministérielle des SI",
    "Organiser une session de sensibilisation à la cybersécurité",
    "Former les agents aux outils collaboratifs",
)
ACTIONS = (
    ("Raccorder le système d'information métier au bus X-Road", "xroad", ""),
    ("Raccorder le système de gestion des carrières au bus X-Road", "xroad", "MTFP"),
    ("Publier deux nouveaux services sur la plateforme d'interopérabilité", "xroad", ""),
    ("Installer le serveur de sécurité X-Road en production", "xroad", ""),
    ("Intégrer le NPI dans le fichier des usagers", "xroad", ""),
    ("Désigner le point focal PKI et le communiquer à l'ASIN", "pki", ""),
    ("Transmettre le rapport de tests du bac à sable PKI", "pki", ""),
    ("Recenser les agents à doter d'un certificat de signature", "pki", ""),
    ("Déployer la signature électronique des courriers administratifs", "esign", ""),
    ("Organiser la formation des agents à la signature électronique", "esign", "ASIN"),
    ("Dématérialiser le parapheur du secrétariat général", "esign", ""),
    ("Migrer les applications critiques vers le centre de données national", "hosting", ""),
    ("Migrer les applications de santé vers le centre de données national", "hosting", "MS"),
    ("Signer la convention d'hébergement avec SBIN", "hosting", ""),
    ("Tester le plan de reprise d'activité avec SBIN", "hosting", "SBIN"),
    ("Inventorier les applications hébergées hors du centre de données national", "hosting", ""),
    ("Mettre en ligne deux nouveaux e-services sur service-public.bj", "e-services", ""),
    ("Activer le paiement par mobile money des e-services du ministère", "e-services", ""),
    ("Mener l'enquête de satisfaction des usagers des e-services", "e-services", ""),
    ("Réduire le délai de traitement des demandes en ligne", "e-services", ""),
    ("Raccorder la chaîne de la dépense au paiement en ligne", "e-services", "MEF"),
    ("Désigner un RSSI et le déclarer à l'ASIN", "security", ""),
    ("Corriger les vulnérabilités critiques signalées par le bjCSIRT", "security", ""),
    ("Activer l'authentification multifacteur des comptes à privilèges", "security", ""),
    ("Réaliser l'autoévaluation de conformité à la PSSIE", "security", ""),
    ("Former les agents aux outils collaboratifs", "training", ""),
    ("Transmettre le plan de formation des personnels de la DSI", "training", ""),
    ("Organiser une session de sensibilisation à la cybersécurité", "training", "BJCSIRT"),
    ("Tenir la session ordinaire de la commission ministérielle des SI", "governance", ""),
    ("Transmettre les résultats trimestriels des indicateurs dans les délais", "governance", ""),
    ("Communiquer le taux d'exécution du budget SI", "governance", "MEF"),
    ("Mettre à jour le schéma directeur des SI", "governance", ""),
)
GROUP_ACTIONS = (
    ("Désigner le point focal PKI et le communiquer à l'ASIN", "pki", DueKind.next_session),
    ("Transmettre les résultats trimestriels des indicateurs dans les délais", "governance",
     DueKind.recurring),
    ("Désigner un RSSI et le déclarer à l'ASIN", "security", DueKind.date),
    ("Publier au moins deux services sur le bus X-Road", "xroad", DueKind.date),
)
TOPIC_PILLAR = {"e-services": 1, "xroad": 1, "esign": 1, "pki": 4, "training": 2,
                 "hosting": 4, "security": 4, "governance": 4}
BLOCKERS = ("En attente de la convention d'hébergement avec SBIN.",
             "Crédits budgétaires non encore disponibles.",
             "Accès au bus X-Road en attente de validation.",
             "Prestataire non encore recruté.")
PROGRESS = {
    ActionStatus.in_progress: ("Travaux en cours.", "Prestataire mobilisé, déploiement en cours.",
                               "Premiers tests réalisés, généralisation à suivre."),
    ActionStatus.partial: ("Réalisée pour les directions centrales ; reste les directions "
                           "départementales.", "Deux services sur trois livrés."),
    ActionStatus.done: ("Réalisée ; justificatif transmis à l'ASIN.", "Achevée.",
                        "Réalisée dans les délais."),
    ActionStatus.cancelled: ("Sans objet après la réorganisation du ministère.",
                             "Abandonnée : remplacée par une action de la feuille de route."),
}
STATUS_FR = {ActionStatus.not_started: "Non démarrée", ActionStatus.in_progress: "En cours",
              ActionStatus.partial: "Partiellement réalisée", ActionStatus.done: "Réalisée",
              ActionStatus.blocked: "Bloquée", ActionStatus.cancelled: "Sans objet"}


@dataclass
class Item:
    """A recommendation or an action as written in the PV (ALL not yet expanded)."""

    number: str
    text: str
    owner: str
    due_kind: str
    due: date | None
    topic: str = ""
    status_in_pv: str = ActionStatus.not_started


# --- the decade scale's invented reference rows --------------------------------------------------

EXTRA_KPI_SHAPES = (
    ("e-services", "count", "up", "sum", "sum", False, ""),
    ("e-services", "percent", "up", "ratio", "ratio", True, ">=80"),
    ("exploitation", "hours", "down", "avg", "avg", False, "<=8"),
    ("gouvernance", "xof", "up", "sum", "sum", False, ""),
    ("interoperabilite", "count", "up", "last", "sum", False, ""),
    ("securite", "percent", "up", "last", "avg", False, ">=70"),
    ("interoperabilite", "ms", "down", "avg", "avg", False, "<=500"),
    ("e-services", "days", "down", "avg", "avg", False, "<=15"),
    ("securite", "bool", "up", "last", "count_true", False, "oui"),
    ("formation", "percent", "up", "ratio", "ratio", True, ">=75"),
    ("formation", "count", "up", "sum", "sum", False, ""),
    ("gouvernance", "xof", "neutral", "last", "sum", False, ""),
    ("engagement", "count", "up", "last", "sum", False, ""),
    ("engagement", "percent", "up", "ratio", "ratio", True, ">=85"),
    ("exploitation", "count", "down", "sum", "sum", False, "0"),
)

# Confidence ratings: the DSI's and ASIN's reasons, per level (en bonne voie … hors d'atteinte).
RATING_REASONS_DSI = (
    ("Trajectoire conforme au plan de travail validé en début d'année.",
     "Les équipes projet sont en place et le financement est acquis.",
     "Déploiement achevé dans les directions centrales, extension en cours."),
    ("Retard de deux mois sur le marché, rattrapable au second semestre.",
     "Recrutement du chef de projet en cours ; l'essentiel reste faisable.",
     "Dépendance au raccordement X-Road, prévu le trimestre prochain."),
    ("Budget d'investissement gelé en attente de la loi de finances rectificative.",
     "Prestataire défaillant : le marché doit être relancé.",
     "Les directions techniques ne transmettent pas leurs données à temps."),
    ("Aucun crédit inscrit cette année pour ce chantier.",
     "Le projet est suspendu jusqu'à la réorganisation du ministère.",
     "La cible a été fixée avant le transfert de compétences : elle n'est plus atteignable."),
)
RATING_REASONS_ASIN = (
    ("Avis conforme à celui du DSI.", "Progression régulière constatée sur trois trimestres."),
    ("Rythme à accélérer au prochain trimestre.",
     "Point à suivre lors de la revue trimestrielle."),
    ("Écart persistant avec la cible malgré les mesures annoncées.",
     "Les justificatifs transmis ne confirment pas l'avancement déclaré."),
    ("Au rythme actuel, la cible ne sera pas atteinte cette année.",
     "Aucun financement identifié pour combler l'écart."),
)
