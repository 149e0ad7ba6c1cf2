"""The diagnosis and the knowledge base load without an Alibaba Cloud SDK (checked in a separate interpreter)."""


def test_diagnosis_and_knowledge_import_no_sdk():
    import subprocess
    import sys

    code = ("import sys, essctl.diagnose.findings, essctl.diagnose.knowledge; "
            "print([m for m in sys.modules if m.split('.')[0] in ('Tea', 'darabonba') or m.startswith('alibabacloud')])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
