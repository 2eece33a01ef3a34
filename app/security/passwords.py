"""Password hashing and the password policy (≥ 10 characters, 3 of 4 character classes)."""
import re
import secrets
import string

from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 10
_CLASSES = (re.compile(r"[a-z]"), re.compile(r"[A-Z]"), re.compile(r"[0-9]"), re.compile(r"[^A-Za-z0-9]"))
# A fixed hash to compare against when the account does not exist, so timing does not reveal it.
_DUMMY_HASH = generate_password_hash("not-a-real-password-Aa1!")


def hash_password(password: str) -> str:
    """A salted scrypt hash."""
    return generate_password_hash(password, method="scrypt")


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant-work check; a missing account still costs one hash."""
    if not password_hash:
        check_password_hash(_DUMMY_HASH, password)
        return False
    return check_password_hash(password_hash, password)


def policy_errors(password: str, username: str = "") -> list[str]:
    """Chinese messages for every way the password breaks the policy; empty when it is fine."""
    errors = []
    if len(password) < MIN_LENGTH:
        errors.append(f"密码至少 {MIN_LENGTH} 位")
    if sum(1 for pattern in _CLASSES if pattern.search(password)) < 3:
        errors.append("密码须包含大写字母、小写字母、数字、符号中的至少三类")
    if username and username.lower() in password.lower():
        errors.append("密码不能包含用户名")
    if len(password) > 128:
        errors.append("密码不能超过 128 位")
    return errors


def generate_initial_password() -> str:
    """A random password that meets the policy, for new and reset accounts."""
    alphabet = string.ascii_letters + string.digits
    while True:
        core = "".join(secrets.choice(alphabet) for _ in range(10))
        candidate = f"{core}#{secrets.randbelow(90) + 10}"
        if not policy_errors(candidate):
            return candidate
