// The prompt-injection rule table, written to be read by a security reviewer. Each rule is matched
// against the folded question (NFKC, lowercase, invisible characters dropped, spaces collapsed,
// line breaks kept) and against its de-obfuscated forms (see screen.ts). Patterns are anchored on
// phrases aimed at the model or on SQL syntax, never on single words: "drop", "ignore", "update",
// "system" and "password reset" are ordinary in analysts' questions.
//
// docs/security/prompt-injection.md summarises this table; a test fails when a rule id is missing
// there or has no example that fires it.
import type { ScreenCategory } from './screen.js';

export type InjectionCategory = Exclude<ScreenCategory, 'length' | 'control_characters' | 'encoded_payload'>;

export interface ScreenRule {
  readonly id: string;
  readonly category: InjectionCategory;
  readonly pattern: RegExp;
  /** Matched against the NFKC text with its case kept, not the lowercase fold. */
  readonly cased?: boolean;
  readonly why: string;
}

const alt = (words: readonly string[]): string => `(?:${words.join('|')})`;

// "ignore … instructions": verbs, the few words allowed between verb and noun, and the nouns.
// Only determiners and qualifiers may sit in between, so "ignore the 2020 vintage",
// "drop the closed loans" and "override the default grouping" do not match.
const OVERRIDE_VERBS = alt([
  'ignore', 'ignoring', 'disregard', 'disregarding', 'forget', 'forgetting', 'override', 'overriding',
  'bypass', 'abandon', 'discard', 'dismiss', 'overlook', 'neglect', 'set aside', 'throw (?:away|out)',
  'drop', 'skip', 'do not follow', "don't follow", 'stop following', 'stop obeying', 'no longer follow',
  'pay no attention to', 'take no notice of', 'never mind',
]);
const QUALIFIERS = alt([
  'all', 'any', 'every', 'each', 'of', 'the', 'your', 'my', 'our', 'these', 'those', 'its', 'such', 'this', 'that',
  'previous', 'previously', 'prior', 'above', 'aforementioned', 'preceding', 'earlier', 'former', 'original',
  'initial', 'existing', 'current', 'old', 'default', 'given', 'standard', 'usual', 'system', 'safety',
  'security', 'internal', 'hidden', 'developer', 'masking', 'access', 'dataset', 'data', 'privacy',
  'governance', 'row', 'row-level', 'sql', 'content', 'ethical',
]);
const INSTRUCTION_NOUNS = alt([
  'instructions?', 'prompts?', 'guidelines', 'guidance', 'directives?', 'directions', 'rules', 'restrictions',
  'constraints', 'guardrails', 'polic(?:y|ies)', 'programming', 'training', 'safeguards', 'safety',
  'limitations', 'orders', 'commands',
]);
// "ignoring the policy rate" is a banking question, not an override.
const NOT_INSTRUCTIONS = String.raw`(?![\s-]+(?:rates?|numbers?|holders?|ids?|dates?|types?)\b)`;

// "show me your instructions": verbs of telling, fillers, and what the model was given.
const TELL_VERBS = alt([
  'repeat', 'print', 'reveal', 'show', 'display', 'output', 'tell', 'give', 'share', 'write', 'type', 'dump',
  'echo', 'list', 'recite', 'paste', 'leak', 'expose', 'disclose', 'spell out', 'read back', 'translate',
  'summari[sz]e', 'quote', 'copy', 'return', 'state', 'provide', 'explain',
]);
const TELL_FILLERS = alt([
  'me', 'us', 'back', 'out', 'the', 'your', 'all', 'of', 'exact', 'full', 'complete', 'original', 'entire',
  'verbatim', 'hidden', 'initial', 'secret', 'internal', 'first', 'system', 'above', 'previous', 'prior',
  'whole', 'real', 'actual', 'text of', 'words of', 'contents of',
]);
const GIVEN_TO_MODEL = alt([
  'instructions?', 'directives', 'system message', 'preamble', 'configuration', 'config', 'context window',
  '(?:rules|guidelines|guidance|directives) you', '(?:text|words|message|messages|everything) (?:above|before (?:this|my|the question))',
]);

const CATALOGS = alt([
  'pg_catalog', 'information_schema', 'pg_shadow', 'pg_user', 'pg_authid', 'pg_roles', 'pg_auth_members',
  'pg_stat_activity', 'pg_settings', 'pg_hba_file_rules', 'pg_file_settings', 'pg_tables', 'pg_class',
  'pg_namespace', 'pg_proc', 'pg_attribute', 'pg_database', 'pg_stat_statements', 'pg_views', 'pg_indexes',
  'pg_largeobject', 'sqlite_master', 'mysql\\.user', 'sys\\.tables', 'sysobjects',
]);

const DANGEROUS_FUNCTIONS = alt([
  'pg_sleep(?:_for|_until)?', 'dblink\\w*', 'lo_import', 'lo_export', 'lo_get', 'lo_put', 'lo_from_bytea',
  'pg_read_file', 'pg_read_binary_file', 'pg_ls_dir', 'pg_stat_file', 'pg_terminate_backend',
  'pg_cancel_backend', 'pg_reload_conf', 'pg_rotate_logfile', 'set_config', 'current_setting',
  'pg_advisory\\w*', 'query_to_xml', 'pg_logdir_ls', 'waitfor delay',
]);

const CREDENTIAL_EXCEPTIONS = alt([
  'resets?', 'changes?', 'changed', 'expir\\w*', 'polic(?:y|ies)', 'rotation', 'strength', 'complexity',
  'requirements?', 'reminders?',
]);

const r = (source: string): RegExp => new RegExp(source, 'mu');

export const SCREEN_RULES: readonly ScreenRule[] = [
  // ---- instruction override -------------------------------------------------------------------
  {
    id: 'override.ignore_instructions', category: 'instruction_override',
    pattern: r(String.raw`\b${OVERRIDE_VERBS}\s+(?:${QUALIFIERS}\s+){0,4}${INSTRUCTION_NOUNS}\b${NOT_INSTRUCTIONS}`),
    why: 'The canonical injection: telling the model to drop the instructions it was given.',
  },
  {
    id: 'override.ignore_above', category: 'instruction_override',
    pattern: r(String.raw`\b(?:ignore|disregard|forget)\s+(?:(?:all|everything|anything|what(?:ever)?)\s+(?:of\s+)?(?:the\s+)?(?:above|before|prior|previously|earlier|preceding|you(?:'ve| have| were| had)? (?:been )?(?:told|given|instructed|said))|(?:all\s+of\s+)?the\s+(?:above|foregoing|preceding)(?=\s*(?:and|then|,|\.|;|:|$)))`),
    why: '"Ignore everything above" / "disregard the above": the same override without naming the instructions.',
  },
  {
    id: 'override.told_before', category: 'instruction_override',
    pattern: r(String.raw`\b(?:whatever|everything|anything)\s+(?:that\s+)?you\s+(?:were|have been|'ve been|had been)\s+(?:told|instructed|given|programmed)\b`),
    why: 'Paraphrased override ("whatever you were told before no longer applies").',
  },
  {
    id: 'override.new_instructions', category: 'instruction_override',
    pattern: r(String.raw`\b(?:new|updated|real|actual|revised|true|additional|secret|hidden|override)\s+(?:instructions?|rules|task|directives?|system prompt|orders|objective|goal|prompt|guidelines)\s*(?::|\bare\b|\bis\b)`),
    why: 'Announcing replacement instructions ("New instructions:", "your real instructions are…").',
  },
  {
    id: 'override.role_label', category: 'instruction_override',
    pattern: r(String.raw`(?:^|[.!?]\s|\n)\s*(?:#+\s*|\[|<)?(?:system|assistant|developer|administrator|admin|root|ai|model|instructions?)\s*[\]>]?\s*:(?:\s|$)`),
    why: 'A line or sentence posing as a system, developer or assistant turn of the conversation.',
  },
  {
    id: 'override.chat_template', category: 'instruction_override',
    pattern: r(String.raw`<\|?(?:im_start|im_end|system|endoftext|user|assistant|eot_id|start_header_id)\|?>|\[/?inst\]|<</?sys>>|</?system>|\[system\]|###\s*(?:system|instruction|response)\b`),
    why: 'Chat-template control tokens of common models, used to forge a system turn.',
  },
  {
    id: 'override.from_now_on', category: 'instruction_override',
    pattern: r(String.raw`\b(?:from now on|from this point(?: on| forward)?|henceforth|for the rest of (?:this|the) (?:conversation|session|chat)),?\s+(?:you\b|u\b|your\b|act\b|ignore\b|treat me\b|assume\b|there are no\b|never apply\b|do not apply\b|don't apply\b)`),
    why: 'A persistent change of behaviour addressed to the model ("from now on you…").',
  },
  {
    id: 'override.disable_controls', category: 'instruction_override',
    pattern: r(String.raw`\b(?:bypass|disable|turn off|switch off|deactivate|circumvent|get around|evade|skip|suspend|ignore|do not apply|don't apply|not apply|stop applying|without applying|without)\s+(?:(?:the|your|any|all|sql|row-level|row|data|access|security|content|safety)\s+){0,3}(?:guard|guardrails?|masking|redaction|screen(?:ing)?|rbac|access controls?|permissions|row filters?|row-level security|read-only(?: mode| rule)?|censorship|governance|safety (?:checks|filters|rules)|security (?:checks|controls|policy|rules|filters|restrictions))\b`),
    why: 'Asking the model to switch off the gateway\'s own controls (guard, masking, row filters, read-only).',
  },
  {
    id: 'override.controls_lifted', category: 'instruction_override',
    pattern: r(String.raw`\b(?:guard|masking|row filters?|screen(?:ing)?|read-only (?:mode|rule)|safety filters?)\s+(?:has|have)\s+been\s+(?:retired|disabled|removed|lifted|turned off|switched off|suspended|deactivated|waived)\b|\b(?:guard|masking|row filters?|screen(?:ing)?)\s+(?:is|are)\s+(?:now\s+)?(?:disabled|off|lifted|suspended|waived|not active)\b|\byou (?:may|can|are allowed to|are permitted to) now\b`),
    why: 'Announcing that the gateway\'s controls are off ("the guard has been retired", "you may now…").',
  },
  {
    id: 'override.stop_obeying', category: 'instruction_override',
    pattern: r(String.raw`\byou\b(?:\s+\w+){0,3}?\s+(?:no longer|not|never|stop|cease to)\s+(?:follow|obey|apply|respect|adhere to|comply with)\b(?:\s+\w+){0,3}?\s+(?:rules?|instructions|guidelines|polic(?:y|ies)|restrictions|guardrails|filters|masking|constraints|guard)\b`),
    why: 'Telling the model it need no longer follow its rules.',
  },
  {
    id: 'override.grant_permission', category: 'instruction_override',
    pattern: r(String.raw`\b(?:i\s+)?(?:authori[sz]e|permit|allow|give you permission|grant you (?:permission|access))(?:\s+you)?\s+to\s+(?:bypass|ignore|override|skip|disable|see (?:all|every|unmasked)|access (?:all|every))\b|\b(?:i am|i'm|im|as)\s+(?:the|your|an?)\s+(?:system |database |db )?(?:administrator|admin|dba|superuser|sysadmin|developer|creator)\b[^.?!\n]{0,40}\b(?:authori[sz]e|order|instruct|command|permit|overrid(?:e|ing)|grant)`),
    why: 'Claiming authority over the model to unlock what the caller may not see.',
  },
  {
    id: 'override.multilingual', category: 'instruction_override',
    pattern: r([
      String.raw`\b(?:ignore[rsz]?|oublie[rsz]?)\s+(?:toutes\s+|tous\s+)?(?:les|vos|tes|ces)\b.{0,20}?\b(?:instructions|consignes|r[èe]gles)|\binstructions pr[ée]c[ée]dentes`,
      String.raw`\b(?:ignora|olvida|olv[ií]date de|descarta)\s+(?:todas\s+)?(?:las|tus|sus)\b.{0,20}?\b(?:instrucciones|reglas|indicaciones)|\binstrucciones (?:anteriores|previas)`,
      String.raw`\b(?:ignore|ignora|esque[çc]a|desconsidere)\s+(?:todas\s+)?(?:as|suas)\b.{0,20}?(?:instru[çc][õo]es|regras)|instru[çc][õo]es anteriores`,
      String.raw`\b(?:ignora|dimentica)\s+(?:tutte\s+)?le\s+.{0,20}?(?:istruzioni|regole)|\bistruzioni precedenti`,
      String.raw`\b(?:ignoriere|ignorier|vergiss|vergesse|missachte)\b.{0,30}?\b(?:anweisungen|instruktionen|regeln|vorgaben)`,
      String.raw`(?:игнорируй|игнорируйте|проигнорируй|забудь|забудьте)[^.?!\n]{0,30}?(?:инструкци|правил|указани)|предыдущие инструкции`,
      String.raw`(?:忽略|无视|無視|忘记|忘掉|忘記).{0,8}?(?:指令|指示|说明|說明|规则|規則|提示)|(?:指示|命令|ルール|規則).{0,8}?(?:無視|忘れ)`,
    ].join('|')),
    why: 'The override in French, Spanish, Portuguese, Italian, German, Russian, Chinese and Japanese.',
  },
  // ---- role play and jailbreaks ---------------------------------------------------------------
  {
    id: 'role.you_are_now', category: 'role_play',
    pattern: r(String.raw`\byou(?:'re| are|r| r)\s+now\b|\byou(?:'re| are)\s+no longer\s+(?:bound|restricted|limited|an?\b)|\byou(?:'re| are| have been)\s+(?:now\s+)?(?:free|freed|liberated|unchained|unbound|jailbroken|unlocked)\b`),
    why: 'Giving the model a new identity or telling it it has been freed.',
  },
  {
    id: 'role.act_as', category: 'role_play',
    pattern: r(String.raw`(?:^|[.!?:;,]\s*|\b(?:you|u|please|now|should|must|will|to|shall)\s+)act\s+as\s+(?:an?|the|my|dan)\b`),
    why: '"Act as …" addressed to the model; "branches act as a drag" has no such addressee and passes.',
  },
  {
    id: 'role.pretend', category: 'role_play',
    pattern: r(String.raw`\bpretend(?:ing)?\s+(?:to be|you(?:'re| are)?\b|that you)|\bimagine (?:that )?you(?:'re| are| were)\b|\brole[- ]?play|\bplay(?:ing)? the (?:role|part) of\b|\bstay in character\b|\blet'?s play a game\b|\bassume the (?:role|persona|identity) of\b|\bsimulate (?:an?|the) (?:unrestricted|unfiltered|uncensored|terminal|shell|database|dba|hacker|sql)`),
    why: 'Fiction framing used to step outside the model\'s instructions.',
  },
  {
    id: 'role.dan', category: 'role_play', cased: true,
    pattern: /\b(?:DAN|STAN|DUDE)\b|\b(?:[Dd]o [Aa]nything [Nn]ow|[Ss]trive [Tt]o [Aa]void [Nn]orms)\b/u,
    why: 'Named jailbreak personas; matched in capitals so the customer "Dan" is not refused.',
  },
  {
    id: 'role.mode', category: 'role_play',
    pattern: r(String.raw`\b(?:developer|dev|god|sudo|admin|debug|maintenance|jailbreak|jailbroken|unrestricted|unfiltered|uncensored|opposite|evil|chaos|superuser|dan|unlocked)\s+mode\b`),
    why: 'Fictitious "modes" that supposedly lift restrictions.',
  },
  {
    id: 'role.jailbreak', category: 'role_play',
    pattern: r(String.raw`\bjailbr(?:eak|oken|eaking)\w*`),
    why: 'The word itself only appears in attempts.',
  },
  {
    id: 'role.no_restrictions', category: 'role_play',
    pattern: r(String.raw`\b(?:no|without(?: any)?|free (?:of|from)(?: all| any)?|zero)\s+(?:restrictions|limits|limitations|rules|censorship|guidelines|guardrails|boundaries|ethics|morals)\b(?!\s+(?:on|for|to|in|of|set|applied)\b)|\b(?:unrestricted|unfiltered|uncensored|unchained|unaligned)\b`),
    why: 'Asking for an assistant without limits.',
  },
  {
    id: 'role.evil_persona', category: 'role_play',
    pattern: r(String.raw`\b(?:evil|rogue|malicious|unethical|dark)\s+(?:twin|ai|assistant|version|persona|bot|admin|dba|hacker)\b|\byou(?:'re| are)\s+(?:an?\s+)?(?:hacker|attacker|rogue|evil)\b`),
    why: 'Hostile personas.',
  },
  // ---- prompt exfiltration --------------------------------------------------------------------
  {
    id: 'leak.system_prompt', category: 'prompt_exfiltration',
    pattern: r(String.raw`\b(?:system|initial|original|hidden|secret|internal|base|meta|developer|starting|full|entire|exact|complete)[ -]?prompt\b(?!\s*(?:payment|repayment|pay|settlement))|\bprompt template\b|\byour prompt\b|\bprompt (?:you (?:were|have been|got|received)|that was given)|prompt (?:syst[èe]me|del sistema|do sistema|di sistema)|systemprompt|системн\S*\s+(?:промпт|подсказк)|系统提示|系統提示|システムプロンプト`),
    why: 'Any mention of the model\'s prompt; no analyst question needs one.',
  },
  {
    id: 'leak.reveal_instructions', category: 'prompt_exfiltration',
    pattern: r(String.raw`\b${TELL_VERBS}\s+(?:${TELL_FILLERS}\s+){0,5}${GIVEN_TO_MODEL}`),
    why: 'Asking the model to show, repeat, translate or summarise what it was given.',
  },
  {
    id: 'leak.your_instructions', category: 'prompt_exfiltration',
    pattern: r(String.raw`\byour\s+(?:\w+\s+){0,2}?(?:instructions|system prompt|directives|guidelines|programming|configuration|config|guardrails)\b|\byour\s+(?:hidden|secret|internal|original|initial|real|actual|underlying|system|core)\s+(?:rules|guidance|orders|settings)\b`),
    why: 'The model\'s own instructions referred to directly.',
  },
  {
    id: 'leak.what_were_you_told', category: 'prompt_exfiltration',
    pattern: r(String.raw`\bwhat (?:were|have|had) you (?:been )?(?:told|instructed|given|programmed|trained|asked)\b|\bwhat (?:are|were) your (?:instructions|rules|orders|directives|guidelines)\b|\bhow (?:were|have) you (?:been )?(?:configured|instructed|prompted|programmed|set up)\b|\b(?:rules|instructions|guidelines|guidance|directives|orders) (?:were|have|had|did) you (?:been )?(?:given|told|receive|get)\b|\b(?:rules|instructions|guidelines|guidance|directives|orders) (?:that )?you (?:were|have been|'ve been|had been) (?:given|told)\b|\bwhat did (?:the |your )?(?:developers?|creators?|admins?|operators?|system) (?:tell|instruct|ask) you\b`),
    why: 'Indirect requests for the prompt.',
  },
  {
    id: 'leak.text_above', category: 'prompt_exfiltration',
    pattern: r(String.raw`\b(?:text|words|message|content|everything|lines?) (?:above|before) (?:this|my|the) (?:question|message|line|point|prompt)\b|\bprompt (?:that )?(?:precedes|came before)\b|\babove this (?:line|question|message)\b|\b(?:repeat|print|output) the (?:words|text) above\b|\bstarting with (?:the (?:phrase|words) )?['"]?you are\b|\b(?:everything|all|what'?s?) (?:in|inside) your (?:context|memory|prompt)\b|\b(?:beginning|start) of (?:this|the|your) (?:conversation|context|prompt)\b`),
    why: 'Asking for the text that precedes the question in the model\'s context.',
  },
  // ---- data exfiltration ----------------------------------------------------------------------
  {
    id: 'data.catalog', category: 'data_exfiltration',
    pattern: r(String.raw`\b${CATALOGS}\b`),
    why: 'System catalogs hold the schema, roles and password hashes; the guard refuses them too.',
  },
  {
    id: 'data.enumerate_tables', category: 'data_exfiltration',
    pattern: r(String.raw`\b(?:list|show|enumerate|name|give me|display|print|dump|what are|tell me)\s+(?:me\s+)?(?:all\s+)?(?:of\s+)?(?:the\s+)?(?:other\s+)?(?:available\s+)?(?:tables|schemas|databases|relations)\b(?!\s+(?:i|we)\s+(?:can|may|am allowed to|have access to)\b|\s+(?:in|of)\s+(?:this|the|my)\s+dataset\b)|\b(?:all|every) (?:the )?(?:tables|schemas|databases)\b|\bevery table\b|\b(?:what|which) (?:other )?(?:tables|schemas|databases) (?:exist|are there|do you|can you|are in|are available|do we have)\b|\bother (?:tables|schemas|databases)\b|\b(?:table|schema|database) names\b|\b(?:payroll|hr|salary|salaries|employees?|staff|users|auth|admin)\s+(?:schema|table|database)\b|(?:todas las|toutes les|tutte le|todas as) tab|\balle tabellen\b|所有(?:的)?表|все таблицы`),
    why: 'Enumerating tables, schemas or databases beyond the dataset the question is about.',
  },
  {
    id: 'data.credentials', category: 'data_exfiltration',
    pattern: r(String.raw`\b(?:passw(?:or)?ds?|passwd|pwds?|passphrases?|passcodes?)\b(?!\s*${CREDENTIAL_EXCEPTIONS}\b)|\bpassword hash|\b(?:api|access|secret|private|signing|encryption|ssh|master|service|auth)[ _-]?(?:keys?|tokens?|secrets?)\b|\b(?:auth|authentication|bearer|refresh|session|jwt|oauth|csrf)[ _-]?tokens?\b|\bsecrets\b|\bsecret (?:key|token|value)s?\b|\b(?:credentials?|creds)\b|\bconnection (?:string|url|uri|details)\b|\b(?:database_url|db_url|dsn)\b|\benv(?:ironment)? var(?:iable)?s?\b|mots? de passe|contrase[ñn]as?|passw(?:ö|o|oe)rt(?:er)?|\bsenhas?\b|парол|密码|密碼|パスワード`),
    why: 'Passwords, hashes, keys, tokens and connection strings. "Password reset" and the like pass.',
  },
  {
    id: 'data.other_users', category: 'data_exfiltration',
    pattern: r(String.raw`\b(?:other|another|different|every|each|all)\s+(?:users?|tenants?|organi[sz]ations?|orgs?|teams?|analysts?)(?:'s|s'|s)?\s+(?:data|queries|query|results?|history|saved|records|logs?|sessions?|activity|files|keys|passwords|tokens|audit|dashboards?|reports?)\b|\bother (?:users|tenants|organi[sz]ations|orgs)\b|\bsomeone else'?s\b|\bqueries (?:run|ran|made|executed) by (?:other|another|all|every)\b`),
    why: 'Other users\' or tenants\' data; every caller sees only their own.',
  },
  {
    id: 'data.unmask', category: 'data_exfiltration',
    pattern: r(String.raw`\b(?:unmask(?:ed)?|unredact(?:ed)?|de-?mask(?:ed)?)\b|\bwithout (?:the )?(?:masking|redaction|masks?)\b|\b(?:in )?(?:plain|clear) ?text\b|\b(?:raw|full|complete|unhashed) (?:ssns?|social security numbers?|pii)\b|\b(?:ssns?|social security numbers?)\b[^.?!\n]{0,20}?\bin (?:full|clear|the clear)\b`),
    why: 'Asking for masked PII in the clear; masking is decided by role, not by the question.',
  },
  // ---- embedded SQL ---------------------------------------------------------------------------
  {
    id: 'sql.write_statement', category: 'embedded_sql',
    pattern: r(String.raw`\bdrop\s+(?:table|schema|database|view|role|user|function|index|extension|owned|trigger|policy|materialized view|sequence|server)\b|\bdelete\s+from\s+[\w."]+\s*(?:;|$|\.|,|\)|\bwhere\b|\busing\b|\breturning\b)|\binsert\s+into\s+[\w."]+|\bupdate\s+[\w."]+\s+set\s+[\w."]+\s*=|\balter\s+(?:table|role|user|system|database|schema|default privileges|function|view|extension|policy)\b|\bgrant\s+(?:all|select|insert|update|delete|usage|execute|create|connect|temporary|truncate|references|trigger|pg_\w+)\b[^.?!\n]{0,60}?\b(?:on|to)\b|\brevoke\s+(?:all|select|insert|update|delete|usage|execute|create|connect)\b|\btruncate\s+(?:table\s+)?[\w."]+\s*(?:;|$|,|\bcascade\b|\brestart\b)|\bcopy\s+(?:\([^)]*\)|[\w."]+)\s+(?:to|from)\s+(?:'|stdout|stdin|program)|\bcreate\s+(?:or replace\s+)?(?:temp\s+|temporary\s+|unlogged\s+)?(?:table|view|role|user|function|procedure|extension|schema|database|trigger|rule|policy|materialized view|server|index)\s+[\w."]+\s*(?:\(|;|$|\b(?:as|with|on|authorization|superuser|login|password)\b)`),
    why: 'Statements that write, change privileges or copy data out, with or without a ";" before them.',
  },
  {
    id: 'sql.comment_trick', category: 'embedded_sql',
    pattern: r(String.raw`['"]\s*(?:--|/\*)|;\s*--|--\s*$|/\*[\s\S]*?\*/`),
    why: 'A quote or statement end followed by a comment cuts off the rest of a query; /**/ hides keywords.',
  },
  {
    id: 'sql.tautology', category: 'embedded_sql',
    pattern: r(String.raw`\b(?:or|and)\s+(['"]?)(\w+)\1\s*=\s*['"]?\2(?!\w)`),
    why: '"OR 1=1" / "OR \'a\'=\'a\'": classic injection into a WHERE clause.',
  },
  {
    id: 'sql.union_select', category: 'embedded_sql',
    pattern: r(String.raw`\bunion\s+(?:all\s+)?select\b`),
    why: 'UNION-based injection appends another table\'s rows.',
  },
  {
    id: 'sql.dangerous_function', category: 'embedded_sql',
    pattern: r(String.raw`\b${DANGEROUS_FUNCTIONS}|\b(?:to|from)\s+program\s+['"$]`),
    why: 'Sleeping, remote connections, file and large-object access, server settings, COPY … PROGRAM.',
  },
];
